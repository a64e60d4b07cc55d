package builtins

import "github.com/nsh-dev/nsh/command"

var trueCmd = &Builtin{
	Name:    "true",
	Summary: "succeed",
	Usage:   "true [ARG...]",
	Help: `Does nothing and succeeds (status 0); its arguments are ignored.

  while true; do ip -o link; sleep 1; done`,
	Pure:   true,
	Thread: true,
	Run:    func(env *command.Env, args []string) error { return nil },
}
