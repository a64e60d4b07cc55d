package builtins

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var hashCmd = &Builtin{
	Name:    "hash",
	Summary: "remember where commands are found, or forget it",
	Usage:   "hash [-r] [NAME...]",
	Help: `hash NAME looks NAME up in $PATH, in the context's mount namespace, and
remembers where it was found; it fails (status 1) for a name that is not
found. hash alone prints what it remembers, one path a line; hash -r
forgets it all. A builtin or a function needs no look-up and is skipped.

Unlike sh, nsh keeps no cache it runs commands from: each command is
looked up in $PATH when it runs, because the context's mount namespace
(setns, home) can change what a path holds. So hash is for scripts that
check their programs first, and hash -r is never needed.

  hash ip jq || exit 1
  hash`,
	Operands: Commands,
	Thread:   true,
	Run: func(env *command.Env, args []string) error {
		l, err := langOf(env)
		if err != nil {
			return err
		}
		table := l.Hashed()
		opts, ops, err := splitOptions(args, "r")
		if err != nil {
			return err
		}
		if opts != "" {
			clear(table)
		}
		if len(args) == 1 {
			names := make([]string, 0, len(table))
			for name := range table {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				fmt.Fprintln(env.Stdout, table[name])
			}
			return nil
		}
		var missing []string
		for _, name := range ops {
			switch what, path := l.LookupCommand(name); what {
			case "file":
				table[name] = path
			case "":
				missing = append(missing, name)
			}
		}
		if missing != nil {
			return &command.StatusError{Code: 1, Err: fmt.Errorf("%s: not found", strings.Join(missing, ", "))}
		}
		return nil
	},
}
