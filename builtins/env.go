package builtins

import (
	"fmt"
	"sort"
	"strings"
)

var envCmd = &Builtin{
	Name:    "env",
	Summary: "show the environment programs get, or run one with more",
	Usage:   "env [NAME=VALUE...] [CMD [ARG...]]",
	Help: `Without a command, prints the environment spawned programs get (the
exported variables), one NAME=VALUE a line, sorted, with any NAME=VALUE
operands added. With a command, runs it in the context with those
variables added, as env(1) does, without changing the shell's own.

  env | grep PATH
  env LANG=C ip -s link`,
	Operands: Commands,
	Run: func(env *Env, args []string) error {
		extra := map[string]string{}
		var order []string
		i := 1
		for ; i < len(args); i++ {
			name, value, ok := strings.Cut(args[i], "=")
			if !ok {
				break
			}
			if err := checkName(name); err != nil {
				return err
			}
			if _, seen := extra[name]; !seen {
				order = append(order, name)
			}
			extra[name] = value
		}
		var vars []string
		for _, kv := range env.Shell.Environ() {
			name, _, _ := strings.Cut(kv, "=")
			if _, over := extra[name]; !over {
				vars = append(vars, kv)
			}
		}
		for _, name := range order {
			vars = append(vars, name+"="+extra[name])
		}
		if i == len(args) {
			sort.Strings(vars)
			for _, kv := range vars {
				fmt.Fprintln(env.Stdout, kv)
			}
			return nil
		}
		e := *env
		e.Shell = withEnviron{env.Shell, vars}
		return Spawn(&e, args[i:])
	},
}

// withEnviron is the shell with a different environment for programs.
type withEnviron struct {
	Shell
	env []string
}

func (w withEnviron) Environ() []string { return w.env }
