package builtins

import (
	"fmt"
	"strings"
)

var setCmd = &Builtin{
	Name:    "set",
	Summary: "set shell variables and options, or list variables",
	Usage:   "set [NAME=VALUE...]\nset -f|+f|-k|+k|-x|+x\nset -o|+o [NAME]",
	Help: `Without operands, lists every variable as NAME=VALUE (exported ones
marked with 'export'). NAME=VALUE sets a shell variable; it reaches
programs only if it is exported (see export), and an exported variable
stays exported when set again.

Options (- turns on, + turns off), by letter or by name with -o NAME:
  -f   noglob: patterns are off, * ? [...] reach programs as typed
       (as sh's set -f)
  -k   keepgoing: a script carries on after a failing command (the
       default is to stop, as nsh --keep-going changes too); not after
       a refused or failed builtin that changes the context (setns,
       unshare, home, push, pop, cd, source) whose status nothing tests
  -x   xtrace: print each command, and the context it runs in, to
       standard error before running it (as nsh -x)
  -o pipefail
       a pipeline's status is that of its last (rightmost) stage that
       failed, 0 if none did; without it, its last stage's

set -o alone lists the options, on or off; set +o lists them as the set
commands that would restore them.

  set NET=lab
  set -x; unshare net; ip link; set +x
  set -o pipefail; ns -a | grep -q net`,
	Options:  []string{"-f", "+f", "-k", "+k", "-x", "+x", "-o", "+o"},
	Operands: Variables,
	Run: func(env *Env, args []string) error {
		if len(args) == 1 {
			for _, v := range env.Shell.Vars() {
				printVar(env, v, v.Exported)
			}
			return nil
		}
		for i := 1; i < len(args); i++ {
			a := args[i]
			switch {
			case a == "-o" || a == "+o":
				if i == len(args)-1 {
					listOptions(env, a == "+o")
					continue
				}
				i++
				if err := setOption(env, args[i], a[0] == '-'); err != nil {
					return err
				}
				continue
			case len(a) >= 2 && (a[0] == '-' || a[0] == '+'):
				for _, c := range []byte(a[1:]) {
					name := ""
					for _, o := range ShellOptions {
						if o.Letter == c {
							name = o.Name
						}
					}
					if name == "" {
						return usageError("unknown option %c%c (options: %s)", a[0], c, optionList())
					}
					if err := setOption(env, name, a[0] == '-'); err != nil {
						return err
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

// ShellOption is an option of the shell, as set turns it on and off: by
// name with -o, and by its letter if it has one.
type ShellOption struct {
	Name   string
	Letter byte
}

// ShellOptions are the shell's options, sorted by name.
var ShellOptions = []ShellOption{{"keepgoing", 'k'}, {"noglob", 'f'}, {"pipefail", 0}, {"xtrace", 'x'}}

func optionList() string {
	var letters, names []string
	for _, o := range ShellOptions {
		if o.Letter != 0 {
			letters = append(letters, "-"+string(o.Letter))
		}
		names = append(names, o.Name)
	}
	return strings.Join(letters, ", ") + ", -o NAME with NAME one of " + strings.Join(names, " ")
}

func setOption(env *Env, name string, on bool) error {
	if err := env.Shell.SetOption(name, on); err != nil {
		return usageError("%v (options: %s)", err, optionList())
	}
	return nil
}

// listOptions writes the options' state: as NAME on|off, or as the set
// commands that restore it.
func listOptions(env *Env, asCommands bool) {
	for _, o := range ShellOptions {
		on := env.Shell.Option(o.Name)
		if asCommands {
			sign := map[bool]string{true: "-", false: "+"}[on]
			fmt.Fprintf(env.Stdout, "set %so %s\n", sign, o.Name)
		} else {
			fmt.Fprintf(env.Stdout, "%-10s %s\n", o.Name, map[bool]string{true: "on", false: "off"}[on])
		}
	}
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
