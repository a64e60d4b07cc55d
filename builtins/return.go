package builtins

import (
	"errors"
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var returnCmd = &Builtin{
	Name:    "return",
	Summary: "leave the function or sourced file running",
	Usage:   "return [N]",
	Help: `Leaves the function running (or the file being sourced) with status N,
taken modulo 256 (return -1 is 255), or with the status of the last
command. An N that is not a number is said and returns status 2, as in
bash. Outside a function or a sourced file it is an error.

  isns() { [ -e "/run/netns/$1" ] || return 1; }`,
	Special: true,
	Thread:  true,
	Pure:    true,
	Run: func(env *command.Env, args []string) error {
		n, err := statusOperand(env, args)
		if errors.Is(err, errNotNumber) {
			warn(env, args[0], "%q: %v", args[1], err)
			return &ReturnRequest{Code: 2}
		}
		if err != nil {
			return &command.StatusError{Code: 1, Err: err}
		}
		return &ReturnRequest{Code: n}
	},
}

var (
	errNotNumber = errors.New("not a number")
	errTooMany   = errors.New("too many operands")
)

// statusOperand reads the optional N of exit and return: modulo 256, as
// sh takes the low byte; none is the last command's status.
func statusOperand(env *command.Env, args []string) (int, error) {
	switch len(args) {
	case 1:
		return env.Shell.LastStatus(), nil
	case 2:
		n, ok := parseInt(strings.Trim(args[1], " \t\n"))
		if !ok {
			return 0, errNotNumber
		}
		return int(uint8(n)), nil
	}
	return 0, errTooMany
}
