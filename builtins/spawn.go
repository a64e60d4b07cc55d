package builtins

import (
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/jobs"
)

var spawnCmd = &Builtin{
	Name:    "spawn",
	Summary: "run a program inside the context and wait for it",
	Usage:   "spawn [-b] CMD [ARG...]",
	Help: `Runs CMD in the context's namespaces and working directory with the
shell's standard streams, and waits for it. CMD is looked up in PATH
inside the context's mount namespace. A command word that is not a
builtin does the same, so 'spawn ip link' and 'ip link' are one thing;
spawn is useful when a program shares a builtin's name (spawn pwd).
With -b the program runs in the background as a job, as 'CMD &' does.

Interactively a program in the foreground gets its own process group and
the terminal: Ctrl-C and Ctrl-Z reach it, never nsh.

Exit status: the program's; 127 if CMD was not found, 126 if it is not
executable, 128+N if a signal N killed it.

  spawn bash          # a shell inside the context; exit comes back
  spawn -b sleep 100  # a background job; 'jobs' lists it`,
	Options:  []string{"-b"},
	Operands: Commands,
	Quiet:    true,
	// A program in the foreground is started and waited for on the
	// context thread, as a command word's is (no hand-off per program).
	ThreadIf: func(args []string) bool { return len(args) < 2 || args[1] != "-b" },
	Run: func(env *command.Env, args []string) error {
		bg := len(args) > 1 && args[1] == "-b"
		if bg {
			args = args[1:]
		}
		if len(args) > 1 && args[1] == "--" {
			args = args[1:]
		}
		if len(args) < 2 {
			return usageError("no command given")
		}
		l, err := jobShell(env)
		if err != nil {
			return err
		}
		js := l.Jobs()
		if bg {
			j := js.NewJob(strings.Join(args[1:], " ")+" &", jobs.Where(env.Ctx), false)
			argv := args[1:]
			j.Go(true, func() error {
				e := *env
				e.Job = j
				return Suggest(env, argv[0], jobs.Spawn(js, &e, argv))
			})
			js.Add(j)
			j.Launched()
			l.Started(j)
			return nil
		}
		return Suggest(env, args[1], jobs.Spawn(js, env, args[1:]))
	},
}
