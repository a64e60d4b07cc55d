package builtins

import (
	"errors"
	"fmt"
)

var cdCmd = &Builtin{
	Name:    "cd",
	Summary: "change the context's working directory",
	Usage:   "cd [DIR|-]",
	Help: `Changes the working directory of the context thread; DIR is resolved in
the context's mount namespace. Without DIR, goes to $HOME; cd - goes back
to $OLDPWD and prints it. The context has its own working directory,
separate from nsh's process, and spawned programs start in it. Joining a
mount namespace moves it to that namespace's root, as nsenter does.

Whatever moves the working directory (cd, setns, home, pop...) sets $PWD
and $OLDPWD, exported, as bash's cd does, so programs that trust $PWD
(make, scripts) see where they are. The directory is the physical one, as
with bash's cd -P: cd through a symbolic link shows where it leads, and
cd .. goes to that directory's parent. cd "" does nothing, as in bash.`,
	Operands: Files,
	Moves:    true,
	Run: func(env *Env, args []string) error {
		switch len(args) {
		case 1:
			home, _ := env.Shell.Var("HOME")
			if home == "" {
				return usageError("HOME is not set")
			}
			return env.Ctx.Chdir(home)
		case 2:
			if args[1] == "" {
				return nil
			}
			if args[1] != "-" {
				return env.Ctx.Chdir(args[1])
			}
			old, _ := env.Shell.Var("OLDPWD")
			if old == "" {
				return &StatusError{Code: 1, Err: errors.New("OLDPWD is not set")}
			}
			if err := env.Ctx.Chdir(old); err != nil {
				return err
			}
			_, err := fmt.Fprintln(env.Stdout, old)
			return err
		}
		return usageError("too many operands")
	},
}
