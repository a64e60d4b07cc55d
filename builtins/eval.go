package builtins

import (
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var evalCmd = &Builtin{
	Name:    "eval",
	Summary: "run words as commands of this shell",
	Usage:   "eval [ARG...]",
	Help: `Joins the ARGs with spaces, reads the result as shell commands and runs
them in this shell: what they set, define or enter stays. The status
is theirs (0 for none).

  var=NET_$kind; eval "echo \$$var"
  eval "$(ssh-agent -s)"`,
	Special: true,
	Run: func(env *command.Env, args []string) error {
		l, err := langOf(env)
		if err != nil {
			return err
		}
		text := strings.Join(args[1:], " ")
		if strings.TrimSpace(text) == "" {
			return nil
		}
		return l.Eval(env, text)
	},
}
