package builtins

var sourceCmd = &Builtin{
	Name:    "source",
	Summary: "run a script in this shell, keeping its namespace changes",
	Usage:   "source FILE [ARG...]",
	Help: `Reads and runs the commands of FILE in the running shell, not in a new
one: the namespaces it enters, the directory it changes to and the
variables it sets stay afterwards. FILE is found in the context's mount
namespace and working directory. ARGs become $1..$N while it runs.
Like a script, it stops at its first failing command (unless set -k),
reporting FILE:LINE.

~/.nshrc is sourced this way when nsh starts on a terminal.

  source lab.nsh
  source ./enter.nsh pod1`,
	Operands: Files,
	Moves:    true,
	Run: func(env *Env, args []string) error {
		if len(args) < 2 {
			return usageError("no file given")
		}
		return env.Shell.Source(env, args[1], args[2:])
	},
}
