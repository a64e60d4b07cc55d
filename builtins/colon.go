package builtins

import "github.com/nsh-dev/nsh/command"

var colonCmd = &Builtin{
	Name:    ":",
	Summary: "do nothing, successfully",
	Usage:   ": [ARG...]",
	Help: `Does nothing and succeeds; its words are expanded first. The usual
endless loop:

  while :; do ip -o link; sleep 1; done`,
	Special: true,
	Thread:  true,
	Pure:    true,
	Run:     func(env *command.Env, args []string) error { return nil },
}
