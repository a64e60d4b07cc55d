package builtins

import "github.com/nsh-dev/nsh/command"

var readonlyCmd = &Builtin{
	Name:    "readonly",
	Summary: "make variables read-only",
	Usage:   "readonly NAME[=VALUE]...\nreadonly [-p]",
	Help: `Marks variables read-only: assigning to one, or unsetting it, fails
from then on (status 1), for the rest of the shell's life. NAME=VALUE
sets the value first. Without operands, or with -p, lists the read-only
variables as commands that make them so again (readonly NAME='VALUE').

  readonly LAB=/run/lab
  readonly PATH`,
	Options:  []string{"-p"},
	Operands: Variables,
	Special:  true,
	Thread:   true,
	Pure:     true,
	Run: func(env *command.Env, args []string) error {
		l, _, ops, err := langOptions(env, args, "p")
		if err != nil {
			return err
		}
		if len(ops) == 0 {
			listVars(env, "readonly", func(v command.Var) bool { return v.ReadOnly })
			return nil
		}
		return eachName(env, ops, nil, l.ReadOnly)
	},
}
