package builtins

import "strconv"

var exitCmd = &Builtin{
	Name:    "exit",
	Summary: "leave nsh",
	Usage:   "exit [N]",
	Help: `Leaves nsh with status N (0-255), or with the status of the last command.
Pins stay; programs already started keep running.`,
	Run: func(env *Env, args []string) error {
		switch len(args) {
		case 1:
			return &ExitRequest{Code: env.Shell.LastStatus()}
		case 2:
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 0 || n > 255 {
				return usageError("%q is not a status (0-255)", args[1])
			}
			return &ExitRequest{Code: n}
		}
		return usageError("too many operands")
	},
}
