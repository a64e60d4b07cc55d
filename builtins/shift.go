package builtins

import (
	"fmt"
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var shiftCmd = &Builtin{
	Name:    "shift",
	Summary: "drop the first positional parameters",
	Usage:   "shift [N]",
	Help: `Drops $1..$N (one without N): $N+1 becomes $1 and $# goes down by N.
N greater than $#, or negative, is an error (status 1) and shifts nothing.

  while [ $# -gt 0 ]; do echo "$1"; shift; done`,
	Special: true,
	Thread:  true,
	Pure:    true,
	Run: func(env *command.Env, args []string) error {
		l, err := langOf(env)
		if err != nil {
			return err
		}
		n := int64(1)
		switch len(args) {
		case 1:
		case 2:
			var ok bool
			if n, ok = parseInt(strings.Trim(args[1], " \t\n")); !ok {
				return &command.StatusError{Code: 1, Err: fmt.Errorf("%q: %w", args[1], errNotNumber)}
			}
		default:
			return &command.StatusError{Code: 1, Err: errTooMany}
		}
		p := l.Params()
		if n < 0 || n > int64(len(p)) {
			return &command.StatusError{Code: 1, Err: fmt.Errorf("%d: shift count out of range ($# is %d)", n, len(p))}
		}
		l.SetParams(p[n:])
		return nil
	},
}
