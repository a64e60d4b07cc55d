package builtins

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/jobs"
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
	Run: func(env *command.Env, args []string) error {
		i := 1
		for ; i < len(args) && strings.Contains(args[i], "="); i++ {
			name, _, _ := strings.Cut(args[i], "=")
			if err := checkName(name); err != nil {
				return err
			}
		}
		sh := Overlay(env.Shell, args[1:i])
		if i == len(args) {
			vars := sh.Environ()
			sort.Strings(vars)
			for _, kv := range vars {
				fmt.Fprintln(env.Stdout, kv)
			}
			return nil
		}
		l, err := jobShell(env)
		if err != nil {
			return err
		}
		e := *env
		e.Shell = sh
		return Suggest(env, args[i], jobs.Spawn(l.Jobs(), &e, args[i:]))
	},
}

// Overlay is sh with assigns (NAME=VALUE, the last of a name winning)
// over the environment its programs get: for one command, as in
// 'env NAME=VALUE CMD' and 'NAME=VALUE CMD'. The shell's variables stay
// as they are.
func Overlay(sh command.Shell, assigns []string) command.Shell {
	if len(assigns) == 0 {
		return sh
	}
	extra := map[string]string{}
	var order []string
	for _, kv := range assigns {
		name, value, _ := strings.Cut(kv, "=")
		if _, seen := extra[name]; !seen {
			order = append(order, name)
		}
		extra[name] = value
	}
	var vars []string
	for _, kv := range sh.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if _, over := extra[name]; !over {
			vars = append(vars, kv)
		}
	}
	for _, name := range order {
		vars = append(vars, name+"="+extra[name])
	}
	return withEnviron{sh, vars, order, extra}
}

// withEnviron is the shell with a different environment for programs.
type withEnviron struct {
	command.Shell
	env   []string
	order []string          // the names assigned, first seen first
	extra map[string]string // their values
}

func (w withEnviron) Environ() []string { return w.env }

// Source runs the file with the assignments as exported variables of the
// shell, as bash does for 'A=1 source FILE', and puts them back after.
func (w withEnviron) Source(env *command.Env, file string, args []string) error {
	type saved struct {
		value         string
		set, exported bool
	}
	was := map[string]saved{}
	for _, v := range w.Shell.Vars() {
		if _, ok := w.extra[v.Name]; ok {
			was[v.Name] = saved{v.Value, true, v.Exported}
		}
	}
	for _, name := range w.order {
		w.Shell.SetVar(name, w.extra[name], true)
	}
	defer func() {
		for _, name := range w.order {
			w.Shell.Unset(name)
			if old := was[name]; old.set {
				w.Shell.SetVar(name, old.value, old.exported)
			}
		}
	}()
	return w.Shell.Source(env, file, args)
}
