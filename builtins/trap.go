package builtins

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"golang.org/x/sys/unix"
)

var trapCmd = &Builtin{
	Name:    "trap",
	Summary: "run commands when the shell exits, a command fails, or a signal comes",
	Usage:   "trap [--] ACTION COND...\ntrap - COND...\ntrap [-p [COND...]]\ntrap -l",
	Help: `Sets ACTION (shell commands, read when it runs) for each COND: EXIT (or
0) when the shell leaves, ERR when a command fails where set -e would
act, or a signal by name (INT, SIGINT, int) or number. ACTION '' ignores
the signal; - (or an unsigned number as the first word: all words are
then CONDs) puts the default back; a lone COND resets it too. An
unknown COND is an error (status 1) after the others are set.

Without operands, or with -p, lists the traps set (those named, with
-p COND...) as commands that set them again: trap -- 'ACTION' COND.
-l lists the signals.

  trap 'unpin /run/lab/net; ip link del veth0' EXIT
  trap '' HUP
  trap - INT`,
	Options: []string{"-l", "-p", "--", "EXIT", "ERR", "INT", "TERM", "HUP"},
	Special: true,
	Thread:  true,
	Pure:    true,
	Run: func(env *command.Env, args []string) error {
		l, err := langOf(env)
		if err != nil {
			return err
		}
		ops := args[1:]
		switch {
		case len(ops) == 0:
			return listTraps(env, l, nil)
		case ops[0] == "-l":
			for s := unix.Signal(1); s < 32; s++ {
				fmt.Fprintf(env.Stdout, "%2d) %s\n", int(s), unix.SignalName(s))
			}
			return nil
		case ops[0] == "-p":
			return listTraps(env, l, ops[1:])
		case ops[0] == "--":
			ops = ops[1:]
			if len(ops) == 0 {
				return listTraps(env, l, nil)
			}
		case len(ops[0]) > 1 && ops[0][0] == '-':
			return usageError("%s is not an option of trap", ops[0])
		}
		action, conds := ops[0], ops[1:]
		reset := action == "-"
		if _, err := strconv.ParseUint(action, 10, 32); err == nil || len(ops) == 1 {
			// trap 0 INT, trap INT: POSIX's and bash's ways to reset.
			reset, conds = true, ops
		}
		var first error
		for _, c := range conds {
			name := trapCond(c)
			err := fmt.Errorf("%s: not a condition (EXIT, ERR, or a signal: trap -l)", c)
			if name != "" {
				err = l.Trap(name, action, reset)
			}
			if err != nil && first == nil {
				first = err
			}
		}
		return first
	},
}

// listTraps prints the traps set (of conds only, if any) as trap -p does.
func listTraps(env *command.Env, l Lang, conds []string) error {
	want := map[string]bool{}
	for _, c := range conds {
		name := trapCond(c)
		if name == "" {
			return fmt.Errorf("%s: not a condition (EXIT, ERR, or a signal: trap -l)", c)
		}
		want[name] = true
	}
	for _, t := range l.Traps() {
		if len(want) == 0 || want[t.Cond] {
			fmt.Fprintf(env.Stdout, "trap -- %s %s\n", singleQuote(t.Action), t.Cond)
		}
	}
	return nil
}

// trapCond is a condition as Lang.Trap takes it: EXIT, ERR, or a signal's
// name without SIG (from INT, SIGINT, int or 2); "" for none of these.
func trapCond(s string) string {
	name := strings.ToUpper(s)
	switch name {
	case "0", "EXIT":
		return "EXIT"
	case "ERR":
		return "ERR"
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n >= 32 {
			return ""
		}
		return strings.TrimPrefix(unix.SignalName(unix.Signal(n)), "SIG")
	}
	name = strings.TrimPrefix(name, "SIG")
	if unix.SignalNum("SIG"+name) == 0 {
		return ""
	}
	return name
}
