// Command nsh is the namespace shell. All of its logic lives in package repl;
// this package composes it: with plugins (plugins.go), or without them when
// built with -tags noplugins.
package main

import (
	"os"

	_ "github.com/nsh-dev/nsh/nsexec" // runs before Go: user, time and pid namespace work
	"github.com/nsh-dev/nsh/repl"
)

// options are what this build composes into the shell (plugins.go adds
// the plugin host).
var options []repl.Option

func main() {
	os.Exit(repl.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, options...))
}
