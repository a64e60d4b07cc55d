package builtins

import (
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var exportCmd = &Builtin{
	Name:    "export",
	Summary: "make variables reach programs",
	Usage:   "export [-n] NAME[=VALUE]...\nexport [-p]",
	Help: `Marks variables exported: programs (and plugins) started afterwards get
them in their environment. NAME=VALUE sets and exports at once; a
read-only variable keeps its value and export fails. Without operands,
or with -p, lists the exported variables as commands that export them
again (export NAME='VALUE', or export NAME for one without a value).
-n takes the export away: the variable stays, for the shell alone.

  export KUBECONFIG=/tmp/kc
  export EDITOR
  export -n DEBUG`,
	Options:  []string{"-n", "-p"},
	Operands: Variables,
	Special:  true,
	Thread:   true,
	Pure:     true,
	Run: func(env *command.Env, args []string) error {
		opts, ops, err := splitOptions(args, "np")
		if err != nil {
			return err
		}
		if len(ops) == 0 {
			if !strings.Contains(opts, "n") {
				listVars(env, "export", func(v command.Var) bool { return v.Exported })
			}
			return nil
		}
		unexport := strings.Contains(opts, "n")
		var l Lang
		if unexport {
			if l, err = langOf(env); err != nil {
				return err
			}
		}
		return eachName(env, ops, nil, func(name string) error {
			if unexport {
				l.Unexport(name)
			} else {
				env.Shell.Export(name)
			}
			return nil
		})
	},
}

// listVars prints the variables keep accepts as cmd would set them again.
func listVars(env *command.Env, cmd string, keep func(command.Var) bool) {
	for _, v := range allVars(env) {
		if keep(v) {
			printVar(env, cmd, v)
		}
	}
}

// eachName sets each NAME or NAME=VALUE operand: before (if any) runs
// before the value is assigned (local: the value goes to the local
// variable), after (if any) once it is (export, readonly). The first
// failure is returned once every operand has been tried, as sh does.
func eachName(env *command.Env, ops []string, before, after func(name string) error) error {
	var first error
	for _, a := range ops {
		name, value, hasValue := strings.Cut(a, "=")
		err := checkName(name)
		if err == nil && before != nil {
			err = before(name)
		}
		if err == nil && hasValue {
			err = assign(env, name, value)
		}
		if err == nil && after != nil {
			err = after(name)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}
