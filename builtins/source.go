package builtins

import (
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var sourceCmd = &Builtin{
	Name:    "source",
	Summary: "run a script in this shell, keeping its namespace changes",
	Usage:   "source FILE [ARG...]",
	Help: `Reads and runs the commands of FILE in the running shell, not in a new
one: the namespaces it enters, the directory it changes to and the
variables it sets stay afterwards. FILE is found in the context's mount
namespace: a FILE without a slash in the directories of PATH first, as
sh's . does, then in the working directory (as bash's source does).
ARGs become $1..$N while it runs. return leaves it early. Like a
script, it stops at its first failing command (unless set +e),
reporting FILE:LINE. The same as . (which is POSIX's name).

~/.nshrc is sourced this way when nsh starts on a terminal.

  source lab.nsh
  source ./enter.nsh pod1`,
	Operands: Files,
	Moves:    true,
	Run:      runSource,
}

var dotCmd = &Builtin{
	Name:     ".",
	Summary:  "run a script in this shell (the same as source)",
	Usage:    ". FILE [ARG...]",
	Help:     "POSIX's name for source: see help source.\n\n  . ./lib.nsh\n  . lab.nsh red blue",
	Operands: Files,
	Moves:    true,
	Special:  true,
	Run:      runSource,
}

func runSource(env *command.Env, args []string) error {
	if len(args) > 1 && args[1] == "--" {
		args = append(args[:1:1], args[2:]...)
	}
	if len(args) < 2 {
		return usageError("no file given")
	}
	file := args[1]
	if !strings.Contains(file, "/") {
		path, _ := env.Shell.Var("PATH")
		found, err := findInPath(env, file, path, false, false)
		if err != nil {
			return err
		}
		if len(found) > 0 {
			file = found[0]
		}
	}
	return env.Shell.Source(env, file, args[2:])
}
