package builtins

import (
	"fmt"
	"io"
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var setCmd = &Builtin{
	Name:    "set",
	Summary: "set options or positional parameters, or list variables",
	Usage:   "set [-aCefnuvxk] [+aCefnuvxk] [-o NAME] [+o NAME] [--] [ARG...]\nset -o|+o",
	Help: `Without operands, lists every variable as NAME=VALUE, sorted, quoted
so that the shell reads it back. Options (- turns on, + turns off):

  -a   allexport: variables set from now on are exported
  -C   noclobber: > does not overwrite a file (>| does)
  -e   errexit: a failing command ends the script (the default in a
       script; if, while, until, && || and ! test a status without it)
  -f   noglob: * ? [...] reach programs as typed
  -n   noexec: read commands without running them
  -u   nounset: expanding an unset variable is an error
  -v   verbose: print each command as it is read
  -x   xtrace: print each command, and the context it runs in, to
       standard error before running it
  -k   nsh's "keep going": the same as +e (and +k as -e)
  -o NAME, +o NAME   an option by its name (set -o lists them: errexit,
       pipefail, ...); set -o alone lists them, set +o as commands that
       set them again

The ARGs, if any, become the positional parameters $1..$N; "set --"
empties them, and "set -- ARG..." sets them even when the first begins
with - or +. "set - ARG..." also ends the options and turns -x and -v off.
ARGs are words, not assignments: "set NAME=VALUE" sets $1 (NAME=VALUE
alone sets a variable).

  set -eu -o pipefail
  set -- red blue; for ns; do setns $ns; ip -o link; home; done`,
	Options: []string{"-a", "-C", "-e", "-f", "-k", "-n", "-u", "-v", "-x", "-o", "+o", "--"},
	Special: true,
	Thread:  true,
	Pure:    true,
	Run:     runSet,
}

func runSet(env *command.Env, args []string) error {
	if len(args) == 1 {
		for _, v := range env.Shell.Vars() {
			fmt.Fprintf(env.Stdout, "%s=%s\n", v.Name, quote(v.Value))
		}
		return nil
	}
	ops := args[1:]
	params := false // -- or - was given: the operands are $1.., even none
options:
	for len(ops) > 0 {
		a := ops[0]
		if a == "" || a[0] != '-' && a[0] != '+' {
			break
		}
		ops = ops[1:]
		on := a[0] == '-'
		switch a {
		case "--":
			params = true
			break options
		case "-", "+":
			if on {
				// As in sh: set - turns -x and -v off.
				env.Shell.SetOption("xtrace", false)
				env.Shell.SetOption("verbose", false)
			}
			break options
		}
		l, err := langOf(env)
		if err != nil {
			return err
		}
		for _, c := range []byte(a[1:]) {
			if c != 'o' {
				if err := l.SetFlag(c, on); err != nil {
					return usageError("%v", err)
				}
				continue
			}
			if len(ops) == 0 {
				io.WriteString(env.Stdout, l.Options(!on))
				continue
			}
			name := ops[0]
			ops = ops[1:]
			if err := env.Shell.SetOption(name, on); err != nil {
				return usageError("%v", err)
			}
		}
	}
	if len(ops) == 0 && !params {
		return nil
	}
	l, err := langOf(env)
	if err != nil {
		return err
	}
	l.SetParams(ops)
	return nil
}

// checkName rejects what cannot be a variable name.
func checkName(name string) error {
	if !isName(name) {
		return usageError("%q is not a variable name (letters, digits, _)", name)
	}
	return nil
}

// printVar writes a variable as cmd (export, readonly) would set it
// again: cmd NAME=VALUE, or cmd NAME for one without a value.
func printVar(env *command.Env, cmd string, v command.Var) {
	if !v.Set {
		fmt.Fprintf(env.Stdout, "%s %s\n", cmd, v.Name)
		return
	}
	fmt.Fprintf(env.Stdout, "%s %s=%s\n", cmd, v.Name, quote(v.Value))
}

// quote single-quotes s when it has anything the shell would read
// specially.
func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$;&|<>#~*?()`{}[]!") {
		return s
	}
	return singleQuote(s)
}

// singleQuote quotes s for the shell, always (alias values are printed
// so, as sh does).
func singleQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
