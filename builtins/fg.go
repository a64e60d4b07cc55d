package builtins

import (
	"fmt"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/jobs"
)

var fgCmd = &Builtin{
	Name:    "fg",
	Summary: "bring a job to the foreground",
	Usage:   "fg [%N]",
	Help: `Continues a stopped or background job in the foreground, giving it the
terminal; without %N, the current job (the last one stopped or started).
Its status becomes fg's. Ctrl-Z stops it again.

  sleep 100     # then Ctrl-Z
  fg`,
	Operands: Jobspecs,
	Run: func(env *command.Env, args []string) error {
		js, j, err := jobArg(env, args)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stderr, strings.TrimSuffix(j.Text, " &"))
		return js.Continue(j, true, env.Stderr)
	},
}

// jobArg finds the job named by the one optional operand, and its table.
func jobArg(env *command.Env, args []string) (*jobs.Jobs, *jobs.Job, error) {
	spec := "%+"
	switch len(args) {
	case 1:
	case 2:
		spec = args[1]
	default:
		return nil, nil, usageError("too many operands")
	}
	l, err := jobShell(env)
	if err != nil {
		return nil, nil, err
	}
	j, err := l.Jobs().Lookup(spec)
	return l.Jobs(), j, err
}
