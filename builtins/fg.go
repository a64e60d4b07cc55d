package builtins

import (
	"fmt"
	"strings"
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
	Run: func(env *Env, args []string) error {
		j, err := jobArg(env, args)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stderr, strings.TrimSuffix(j.Text, " &"))
		return env.Shell.Jobs().Continue(j, true, env.Stderr)
	},
}

// jobArg finds the job named by the one optional operand.
func jobArg(env *Env, args []string) (*Job, error) {
	spec := "%+"
	switch len(args) {
	case 1:
	case 2:
		spec = args[1]
	default:
		return nil, usageError("too many operands")
	}
	return env.Shell.Jobs().Lookup(spec)
}
