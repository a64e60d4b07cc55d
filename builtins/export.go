package builtins

import "strings"

var exportCmd = &Builtin{
	Name:    "export",
	Summary: "make variables reach programs",
	Usage:   "export [NAME[=VALUE]...]",
	Help: `Marks variables exported: programs (and plugins) started afterwards get
them in their environment. NAME=VALUE sets and exports at once. Without
operands, lists the exported variables.

  export KUBECONFIG=/tmp/kc
  export EDITOR`,
	Operands: Variables,
	Run: func(env *Env, args []string) error {
		if len(args) == 1 {
			for _, v := range env.Shell.Vars() {
				if v.Exported {
					printVar(env, v, true)
				}
			}
			return nil
		}
		for _, a := range args[1:] {
			name, value, hasValue := strings.Cut(a, "=")
			if err := checkName(name); err != nil {
				return err
			}
			if hasValue {
				env.Shell.SetVar(name, value, true)
			} else {
				env.Shell.Export(name)
			}
		}
		return nil
	},
}
