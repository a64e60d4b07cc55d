// Command nsh is the namespace shell. All of its logic lives in package repl.
package main

import (
	"os"

	_ "github.com/nsh-dev/nsh/nsexec" // runs before Go: user, time and pid namespace work
	"github.com/nsh-dev/nsh/repl"
)

func main() {
	os.Exit(repl.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
