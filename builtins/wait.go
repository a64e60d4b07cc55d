package builtins

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
  kill %1; wait %1   # status 143`,
	Operands: Jobspecs,
	Pure:     true,
	Run: func(env *Env, args []string) error {
		js := env.Shell.Jobs()
		ops := args[1:]
		if len(ops) > 0 && ops[0] == "--" {
			ops = ops[1:]
		}
		if len(ops) == 0 {
			for _, j := range js.Waitable() {
				if Status(js.Wait(j)) == 130 {
					return ExitStatus(130)
				}
			}
			return nil
		}
		st := 0
		for i, spec := range ops {
			j, err := js.Lookup(spec)
			if err != nil {
				if i == len(ops)-1 {
					return &StatusError{127, err}
				}
				warn(env, args[0], "%v", err)
				continue
			}
			// How the job ended is its status, not a failure of wait's
			// to say: no message.
			st = Status(js.Wait(j))
		}
		if st != 0 {
			return ExitStatus(st)
		}
		return nil
	},
}
