package builtins

import (
	"fmt"

	"github.com/nsh-dev/nsh/command"
)

var bgCmd = &Builtin{
	Name:    "bg",
	Summary: "continue a stopped job in the background",
	Usage:   "bg [%N]",
	Help: `Continues a stopped job in the background; without %N, the current job.

  sleep 100   # then Ctrl-Z
  bg`,
	Operands: Jobspecs,
	Run: func(env *command.Env, args []string) error {
		js, j, err := jobArg(env, args)
		if err != nil {
			return err
		}
		if err := js.Continue(j, false, env.Stderr); err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "[%d]+ %s\n", j.ID, j.Text)
		return nil
	},
}
