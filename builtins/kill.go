package builtins

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

var killCmd = &Builtin{
	Name:    "kill",
	Summary: "send a signal to a job or a process",
	Usage:   "kill [-SIG | -s SIG] %N|PID...\nkill -l",
	Help: `Sends SIG (default TERM) to a job's processes (%N, %%, %-) or to a
process by pid. SIG is a name (TERM, SIGKILL, hup) or a number. A stopped
job also gets CONT, so that it can act on the signal. kill -0 sends
nothing but fails if the target is gone. -l lists the signal names.

  kill %1
  kill -9 %2
  kill -s INT 4242`,
	Options:  []string{"-l", "-s", "-TERM", "-KILL", "-INT", "-HUP", "-STOP", "-CONT"},
	Operands: Jobspecs,
	Run: func(env *Env, args []string) error {
		sig := unix.SIGTERM
		ops := args[1:]
		if len(ops) > 0 && ops[0] == "-l" {
			for s := unix.Signal(1); s < 32; s++ {
				if n := unix.SignalName(s); n != "" {
					fmt.Fprintf(env.Stdout, "%2d %s\n", int(s), strings.TrimPrefix(n, "SIG"))
				}
			}
			return nil
		}
		if len(ops) > 0 && strings.HasPrefix(ops[0], "-") && ops[0] != "--" {
			name := ops[0][1:]
			ops = ops[1:]
			if name == "s" {
				if len(ops) == 0 {
					return usageError("-s needs a signal")
				}
				name, ops = ops[0], ops[1:]
			}
			s, err := parseSignal(name)
			if err != nil {
				return err
			}
			sig = s
		}
		if len(ops) > 0 && ops[0] == "--" {
			ops = ops[1:]
		}
		if len(ops) == 0 {
			return usageError("no job or pid given")
		}
		js := env.Shell.Jobs()
		for _, op := range ops {
			if !strings.HasPrefix(op, "%") {
				pid, err := strconv.Atoi(op)
				if err != nil {
					return usageError("%q is neither a job (%%N) nor a pid", op)
				}
				if err := unix.Kill(pid, sig); err != nil {
					return fmt.Errorf("%d: %v", pid, err)
				}
				continue
			}
			j, err := js.Lookup(op)
			if err != nil {
				return err
			}
			if err := js.Signal(j, sig); err != nil {
				return fmt.Errorf("%s: %v", op, err)
			}
			if sig != 0 && sig != unix.SIGCONT && sig != unix.SIGSTOP && sig != unix.SIGTSTP {
				js.mu.Lock()
				st := j.stopped()
				js.mu.Unlock()
				if st {
					js.Signal(j, unix.SIGCONT)
				}
			}
		}
		return nil
	},
}

// parseSignal reads TERM, SIGTERM, term or 15; 0 checks that the target
// exists (kill -0 %1), as in sh.
func parseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < 65 {
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, usageError("%q is not a signal (kill -l lists them)", s)
}
