// Command nsh is the namespace shell. All of its logic lives in package repl.
package main

import (
	"os"

	"github.com/nsh-dev/nsh/repl"
)

func main() {
	os.Exit(repl.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
