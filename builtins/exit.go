package builtins

import (
	"errors"
	"strconv"

	"github.com/nsh-dev/nsh/command"
)

var exitCmd = &Builtin{
	Name:    "exit",
	Summary: "leave nsh",
	Usage:   "exit [N]",
	Help: `Leaves nsh (or the subshell it runs in) with status N, taken modulo 256
(exit 256 is 0, exit -1 is 255), or with the status of the last command.
An N that is not a number is said and leaves with status 2, more than
one N with status 1, as in sh. EXIT traps run first. Pins stay; programs
already started keep running; plugin calls end (nsh stops its plugins).

  [ -e /run/netns/lab ] || exit 1`,
	Special: true,
	Thread:  true,
	Pure:    true,
	Run: func(env *command.Env, args []string) error {
		n, err := statusOperand(env, args)
		switch {
		case errors.Is(err, errNotNumber):
			warn(env, args[0], "%q: %v", args[1], err)
			n = 2
		case err != nil:
			warn(env, args[0], "%v", err)
			n = 1
		}
		return &command.ExitRequest{Code: n, Bare: len(args) == 1}
	},
}

// parseInt reads a decimal integer with an optional sign, as sh's
// numeric operands are.
func parseInt(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
