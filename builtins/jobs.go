package builtins

import "github.com/nsh-dev/nsh/command"

var jobsCmd = &Builtin{
	Name:    "jobs",
	Summary: "list background and stopped jobs with their context",
	Usage:   "jobs [-l]",
	Help: `Lists the jobs: number (+ the current one, - the previous), state,
command, and the context it was started in (the kinds that differed
from home, with their inodes, or "home"). -l adds the process group.
Finished jobs are listed once more and then forgotten.

  sleep 100 &
  jobs        # [1]+  Running   sleep 100 &   (net:4026532301)`,
	Options:  []string{"-l"},
	Operands: NoOperands,
	Run: func(env *command.Env, args []string) error {
		fs := newFlags("jobs")
		long := fs.Bool("l", false, "")
		ops, err := parseFlags(fs, args)
		if err != nil {
			return err
		}
		if len(ops) > 0 {
			return usageError("unexpected operand %q", ops[0])
		}
		l, err := jobShell(env)
		if err != nil {
			return err
		}
		l.Jobs().List(env.Stdout, *long)
		return nil
	},
}
