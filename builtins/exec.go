package builtins

import (
	"errors"

	"github.com/nsh-dev/nsh/command"
)

var execCmd = &Builtin{
	Name:    "exec",
	Summary: "run a command in place of the shell, or keep redirections",
	Usage:   "exec [CMD [ARG...]]",
	Help: `With a command, runs it (never a function) and then leaves the shell
with its status, as if the shell had become it: 127 if it is not found.
nsh stays the process (its namespace context lives in it), so a
program runs as a child and the shell exits after it.

Without a command, its redirections stay for the rest of the shell (or
of the subshell):

  exec > log 2>&1
  exec 3< list; read -r first <&3
  exec ip netns exec lab bash`,
	Operands: Commands,
	Special:  true,
	Run: func(env *command.Env, args []string) error {
		argv := args[1:]
		if len(argv) > 0 && argv[0] == "--" {
			argv = argv[1:]
		}
		if len(argv) == 0 {
			return nil // the shell keeps the redirections itself
		}
		l, err := langOf(env)
		if err != nil {
			return err
		}
		err = l.Command(env, argv)
		var (
			es  command.ExitStatus
			sig *command.SignalError
		)
		if err != nil && !Control(err) && !errors.As(err, &es) && !errors.As(err, &sig) && !errors.Is(err, command.Interrupted{}) {
			// The shell leaves: this is the last it can say why.
			warn(env, args[0], "%v", err)
		}
		return &command.ExitRequest{Code: command.Status(err)}
	},
}
