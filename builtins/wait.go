package builtins

import "errors"

var waitCmd = &Builtin{
	Name:    "wait",
	Summary: "wait for background jobs to finish",
	Usage:   "wait [%N|PID...]",
	Help: `Waits for the given jobs (or for every running background job) to
finish. The status is that of the last job waited for, also of one whose
end was already reported when given by PID (wait $!); 127 for a job or pid
nsh does not know. Ctrl-C stops waiting (status 130).

  ip monitor > log &
  ...
  kill %1; wait %1`,
	Operands: Jobspecs,
	Run: func(env *Env, args []string) error {
		js := env.Shell.Jobs()
		if len(args) == 1 {
			var last error
			for _, j := range js.Waitable() {
				if last = js.Wait(j); Status(last) == 130 {
					return last
				}
			}
			return nil
		}
		var last error
		for _, spec := range args[1:] {
			j, err := js.Lookup(spec)
			if err != nil {
				return &StatusError{127, err}
			}
			last = js.Wait(j)
		}
		return quiet(last)
	},
}

// quiet keeps a job's status but not its message: wait reports how a job
// ended, it did not fail itself.
func quiet(err error) error {
	var er *ExitRequest
	if err == nil || errors.As(err, &er) {
		return err
	}
	return ExitStatus(Status(err))
}
