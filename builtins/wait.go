package builtins

import (
	"fmt"

	"github.com/nsh-dev/nsh/command"
	"golang.org/x/sys/unix"
)

var waitCmd = &Builtin{
	Name:    "wait",
	Summary: "wait for background jobs to finish",
	Usage:   "wait [%N|PID...]",
	Help: `Waits for the given jobs (or for every running background job) to
finish. The status is that of the last one given, as sh's: a job's exit
status, 128+N for one a signal N killed (143 after kill, for TERM), also
for one whose end was already reported when given by PID (wait $!);
127 if nsh does not know the last one (others it does not know are
said, and skipped). Without operands, the status is 0. Ctrl-C stops
waiting (status 130).

  ip monitor > log &
  ...
  kill %1; wait %1   # status 143

A script stops at a failing command, and a job that kill ended has
failed (status 143, as in sh -e): after kill, write 'wait %1 || true'.`,
	Operands: Jobspecs,
	Pure:     true,
	Run: func(env *command.Env, args []string) error {
		l, err := jobShell(env)
		if err != nil {
			return err
		}
		js := l.Jobs()
		ops := args[1:]
		if len(ops) > 0 && ops[0] == "--" {
			ops = ops[1:]
		}
		if len(ops) == 0 {
			for _, j := range js.Waitable() {
				if command.Status(js.Wait(j)) == 130 {
					return command.ExitStatus(130)
				}
			}
			return nil
		}
		var last error
		for i, spec := range ops {
			j, err := js.Lookup(spec)
			if err != nil {
				if i == len(ops)-1 {
					return &command.StatusError{Code: 127, Err: err}
				}
				warn(env, args[0], "%v", err)
				continue
			}
			// How the job ended is its status, not a failure of wait's
			// to say: a note only if it stops a script.
			werr := js.Wait(j)
			st := command.Status(werr)
			last = command.ExitStatus(st)
			if sig := unix.Signal(st - 128); st > 128 && unix.SignalName(sig) != "" {
				note := fmt.Sprintf("%s was %s: status %d", spec, &command.SignalError{Sig: sig}, st)
				if sig == unix.SIGTERM {
					note += fmt.Sprintf(" (after kill, write wait %s || true)", spec)
				}
				last = &command.StatusNote{Code: command.ExitStatus(st), Note: note}
			}
		}
		if command.Status(last) == 0 {
			return nil
		}
		return last
	},
}
