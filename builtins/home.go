package builtins

import "github.com/nsh-dev/nsh/command"

var homeCmd = &Builtin{
	Name:    "home",
	Summary: "return to nsh's home namespaces",
	Usage:   "home",
	Help: `Returns every kind to the namespaces nsh started in. If the mount
namespace changes, the working directory goes back to the one nsh started
in. The push stack is kept.`,
	Moves: true,
	Run: func(env *command.Env, args []string) error {
		if len(args) != 1 {
			return usageError("no operands expected")
		}
		return env.Ctx.GoHome()
	},
}
