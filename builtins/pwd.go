package builtins

import (
	"fmt"
	"path"

	"github.com/nsh-dev/nsh/command"
)

var pwdCmd = &Builtin{
	Name:    "pwd",
	Summary: "print the context's working directory",
	Usage:   "pwd [-L|-P]",
	Help: `Prints the context thread's own working directory. -L (the default, as
in sh) prints $PWD when it names that directory (a path through symbolic
links that cd -L kept); -P prints the physical path, without links.`,
	Options: []string{"-L", "-P"},
	Run: func(env *command.Env, args []string) error {
		physical := false
		for _, a := range args[1:] {
			switch a {
			case "-L":
				physical = false
			case "-P":
				physical = true
			case "--":
			default:
				return usageError("%s: invalid option or operand", a)
			}
		}
		if !physical {
			if pwd, _ := env.Shell.Var("PWD"); path.IsAbs(pwd) && !hasDots(pwd) && sameDir(env.Ctx, pwd) {
				_, err := fmt.Fprintln(env.Stdout, pwd)
				return err
			}
		}
		wd, err := env.Ctx.Getwd()
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(env.Stdout, wd)
		return err
	},
}
