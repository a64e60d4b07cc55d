package builtins

import (
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var unsetCmd = &Builtin{
	Name:    "unset",
	Summary: "remove variables or functions",
	Usage:   "unset [-v|-f] NAME...",
	Help: `Removes shell variables (-v, the default) or functions (-f); an
exported variable no longer reaches programs. Without -v or -f, a NAME
that is no variable but a function removes the function, as in bash.
Unsetting what does not exist is not an error; a read-only variable
stays and unset fails (status 1), after trying the other NAMEs.

  unset KUBECONFIG
  unset -f cleanup`,
	Options:  []string{"-v", "-f"},
	Operands: Variables,
	Special:  true,
	Thread:   true,
	Pure:     true,
	Run: func(env *command.Env, args []string) error {
		opts, names, err := splitOptions(args, "vf")
		if err != nil {
			return err
		}
		vars, funcs := strings.Contains(opts, "v"), strings.Contains(opts, "f")
		if vars && funcs {
			return usageError("-v and -f cannot both be given")
		}
		l, isLang := env.Shell.(Lang)
		if funcs && !isLang {
			return ErrNeedsLang
		}
		var first error
		for _, name := range names {
			var err error
			switch {
			case funcs:
				l.UnsetFunc(name)
			case !isName(name):
				err = checkName(name)
			case !isLang:
				env.Shell.Unset(name)
			case !vars && l.IsFunc(name):
				if _, set := l.Var(name); !set {
					l.UnsetFunc(name)
					break
				}
				fallthrough
			default:
				err = l.Remove(name)
			}
			if err != nil && first == nil {
				first = err
			}
		}
		return first
	},
}
