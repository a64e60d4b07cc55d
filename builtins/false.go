package builtins

import "github.com/nsh-dev/nsh/command"

var falseCmd = &Builtin{
	Name:    "false",
	Summary: "fail",
	Usage:   "false [ARG...]",
	Help: `Does nothing and fails (status 1); its arguments are ignored.

  if false; then echo never; fi`,
	Pure:   true,
	Thread: true,
	Run:    func(env *command.Env, args []string) error { return command.ExitStatus(1) },
}
