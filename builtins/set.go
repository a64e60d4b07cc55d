package builtins

import (
	"fmt"
	"strings"
)

var setCmd = &Builtin{
	Name:    "set",
	Summary: "set shell variables and options, or list variables",
	Usage:   "set [NAME=VALUE...]\nset -f|+f|-k|+k|-x|+x",
	Help: `Without operands, lists every variable as NAME=VALUE (exported ones
marked with 'export'). NAME=VALUE sets a shell variable; it reaches
programs only if it is exported (see export), and an exported variable
stays exported when set again.

Options (- turns on, + turns off):
  -f   no patterns: * ? [...] reach programs as typed (as sh's set -f)
  -k   keep going: a script carries on after a failing command
       (the default is to stop, as nsh --keep-going changes too)
  -x   trace: print each command, and the context it runs in, to
       standard error before running it (as nsh -x)

  set NET=lab
  set -x; unshare net; ip link; set +x`,
	Options:  []string{"-f", "+f", "-k", "+k", "-x", "+x"},
	Operands: Variables,
	Run: func(env *Env, args []string) error {
		if len(args) == 1 {
			for _, v := range env.Shell.Vars() {
				printVar(env, v, v.Exported)
			}
			return nil
		}
		for _, a := range args[1:] {
			if len(a) >= 2 && (a[0] == '-' || a[0] == '+') {
				for i := 1; i < len(a); i++ {
					if err := env.Shell.SetOption(a[i], a[0] == '-'); err != nil {
						return usageError("%v", err)
					}
				}
				continue
			}
			name, value, ok := strings.Cut(a, "=")
			if !ok {
				return usageError("%q: want NAME=VALUE or an option", a)
			}
			if err := checkName(name); err != nil {
				return err
			}
			env.Shell.SetVar(name, value, false)
		}
		return nil
	},
}

// checkName rejects what cannot be a variable name.
func checkName(name string) error {
	ok := name != ""
	for i, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			ok = false
		}
	}
	if !ok {
		return usageError("%q is not a variable name (letters, digits, _)", name)
	}
	return nil
}

// printVar writes a variable so that nsh can read it back.
func printVar(env *Env, v Var, export bool) {
	prefix := ""
	if export {
		prefix = "export "
	}
	fmt.Fprintf(env.Stdout, "%s%s=%s\n", prefix, v.Name, quote(v.Value))
}

// quote single-quotes s when it has anything the shell would read
// specially.
func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$;&|<>#~*?()`{}") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
