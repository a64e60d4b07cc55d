package builtins

import "fmt"

var pwdCmd = &Builtin{
	Name:    "pwd",
	Summary: "print the context's working directory",
	Usage:   "pwd",
	Help:    `Prints the context thread's own working directory.`,
	Run: func(env *Env, args []string) error {
		if len(args) != 1 {
			return usageError("no operands expected")
		}
		wd, err := env.Ctx.Getwd()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(env.Stdout, wd)
		return err
	},
}
