package builtins

import "github.com/nsh-dev/nsh/command"

var popCmd = &Builtin{
	Name:    "pop",
	Summary: "return to the context saved by the last push",
	Usage:   "pop",
	Help: `Returns to the namespaces and working directory saved by the last push
and drops that entry. If the return fails the entry stays and the context
is unchanged.`,
	Moves: true,
	Run: func(env *command.Env, args []string) error {
		if len(args) != 1 {
			return usageError("no operands expected")
		}
		return env.Ctx.Pop()
	},
}
