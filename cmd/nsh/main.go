// Command nsh is the namespace shell. All of its logic lives in package repl;
// this package composes it: with plugins (plugins.go), or without them when
// built with -tags noplugins.
package main

import (
	"os"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsexec"
	"github.com/nsh-dev/nsh/repl"
)

// options are what this build composes into the shell (plugins.go adds
// the plugin host).
var options []repl.Option

func main() {
	nsctx.UseHelper(nsexec.StartNofile()) // nsexec ran before Go: user, time and pid namespace work
	nsctx.UseSpawn(nsexec.Spawn)          // and forks the programs of jobs
	os.Exit(repl.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, options...))
}
