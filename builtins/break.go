package builtins

import (
	"errors"
	"strconv"

	"github.com/nsh-dev/nsh/command"
)

var breakCmd = &Builtin{
	Name:    "break",
	Summary: "leave the enclosing for, while or until loop",
	Usage:   "break [N]",
	Help: `Leaves the innermost loop, or the N-th one counting outwards; the
commands after the loop run next.

  for ns in red blue; do setns $ns || break; ip -o link; done`,
	Special: true,
	Thread:  true,
	Pure:    true,
	Run:     func(env *command.Env, args []string) error { return loopControl(args, true) },
}

var continueCmd = &Builtin{
	Name:    "continue",
	Summary: "go on with the next round of the enclosing loop",
	Usage:   "continue [N]",
	Help: `Skips the rest of the innermost loop's body (or of the N-th loop counting
outwards) and goes on with its next round.

  for p in $(pgrep sleep); do ns -p $p net || continue; done`,
	Special: true,
	Thread:  true,
	Pure:    true,
	Run:     func(env *command.Env, args []string) error { return loopControl(args, false) },
}

func loopControl(args []string, brk bool) error {
	n := 1
	switch len(args) {
	case 1:
	case 2:
		var err error
		if n, err = strconv.Atoi(args[1]); err != nil || n < 1 {
			return usageError("%q is not a number of loops (1 or more)", args[1])
		}
	default:
		return usageError("too many operands")
	}
	return &command.LoopControl{Break: brk, N: n}
}

// Control reports whether err is no failure but a change of the shell's
// course, exit, return, break or continue, which a caller passes on
// untouched: not said, not turned into a status, not negated by !.
func Control(err error) bool {
	var (
		er *command.ExitRequest
		rr *ReturnRequest
		lc *command.LoopControl
	)
	return errors.As(err, &er) || errors.As(err, &rr) || errors.As(err, &lc)
}
