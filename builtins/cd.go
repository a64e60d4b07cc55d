package builtins

var cdCmd = &Builtin{
	Name:    "cd",
	Summary: "change the context's working directory",
	Usage:   "cd [DIR]",
	Help: `Changes the working directory of the context thread; DIR is resolved in
the context's mount namespace. Without DIR, goes to $HOME. The context has
its own working directory, separate from nsh's process, and spawned
programs start in it. Joining a mount namespace moves it to that
namespace's root, as nsenter does.`,
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
			return env.Ctx.Chdir(args[1])
		}
		return usageError("too many operands")
	},
}
