package builtins

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/jobs"
	"golang.org/x/sys/unix"
)

var killCmd = &Builtin{
	Name:    "kill",
	Summary: "send a signal to a job or a process",
	Usage:   "kill [-s SIG | -n NUM | -SIG] %N|PID...\nkill -l [STATUS|SIG...]",
	Help: `Sends SIG (default TERM) to a job's processes (%N, %%, %-) or to a
process by pid (-PID: a process group, after --). SIG is a name (TERM,
SIGKILL, hup, RTMIN+1) or a number. A stopped job also gets CONT, so that
it can act on the signal. kill -0 sends nothing but fails if the target
is gone. A failure with one target does not stop the others.

kill -l lists the signals; kill -l N names signal N, or the one that
ended a command with exit status N (128+N); kill -l NAME gives its number.

  kill %1
  kill -9 %2
  kill -s INT 4242
  kill -l $?`,
	Options:  []string{"-l", "-s", "-n", "-TERM", "-KILL", "-INT", "-HUP", "-STOP", "-CONT"},
	Operands: Jobspecs,
	Pure:     true,
	Thread:   true,
	Run: func(env *command.Env, args []string) error {
		sig := unix.SIGTERM
		ops := args[1:]
		if len(ops) > 0 && (ops[0] == "-l" || ops[0] == "-L") {
			return listSignals(env, ops[1:])
		}
		if len(ops) > 0 && strings.HasPrefix(ops[0], "-") && ops[0] != "--" {
			name := ops[0][1:]
			ops = ops[1:]
			if name == "s" || name == "n" {
				if len(ops) == 0 {
					return usageError("-%s needs a signal", name)
				}
				if _, err := strconv.Atoi(ops[0]); name == "n" && err != nil {
					return usageError("-n needs a signal number, not %q", ops[0])
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
		for _, op := range ops {
			if _, err := strconv.Atoi(op); err != nil && !strings.HasPrefix(op, "%") {
				return usageError("%q is neither a job (%%N) nor a pid", op)
			}
		}
		var first error
		for _, op := range ops {
			if err := killOne(env, op, sig); err != nil && first == nil {
				first = err
			}
		}
		return first
	},
}

func killOne(env *command.Env, op string, sig unix.Signal) error {
	if pid, err := strconv.Atoi(op); err == nil && !jobs.IsJobID(pid) {
		if err := unix.Kill(pid, sig); err != nil {
			return fmt.Errorf("%d: %v", pid, err)
		}
		return nil
	}
	l, err := jobShell(env)
	if err != nil {
		return err
	}
	js := l.Jobs()
	j, err := js.Lookup(op)
	if err != nil {
		return err
	}
	if err := js.Signal(j, sig); err != nil {
		return fmt.Errorf("%s: %v", op, err)
	}
	if sig != 0 && sig != unix.SIGCONT && sig != unix.SIGSTOP && sig != unix.SIGTSTP {
		if j.Stopped() {
			js.Signal(j, unix.SIGCONT)
		}
	}
	return nil
}

// listSignals is kill -l: all the signals, or each one asked for, by
// number (an exit status above 128 stands for its signal) or by name.
func listSignals(env *command.Env, ops []string) error {
	if len(ops) == 0 {
		for n := 1; n <= 64; n++ {
			if name := signalName(n); name != "" {
				fmt.Fprintf(env.Stdout, "%2d %s\n", n, name)
			}
		}
		return nil
	}
	var first error
	for _, op := range ops {
		if n, err := strconv.Atoi(op); err == nil {
			if n > 128 {
				n -= 128
			}
			if name := signalName(n); name != "" && n <= 64 {
				fmt.Fprintln(env.Stdout, name)
				continue
			}
		} else if s, err := parseSignal(op); err == nil {
			fmt.Fprintln(env.Stdout, int(s))
			continue
		}
		if first == nil {
			first = fmt.Errorf("%s: invalid signal specification", op)
		}
	}
	return first
}

// signalName is a signal's name without SIG, as bash's kill -l gives it
// (0 is EXIT, the real-time ones RTMIN+N and RTMAX-N); "" if none.
func signalName(n int) string {
	switch {
	case n == 0:
		return "EXIT"
	case n >= rtMin && n <= rtMin+15:
		return strings.TrimSuffix("RTMIN+"+strconv.Itoa(n-rtMin), "+0")
	case n > rtMin+15 && n <= rtMax:
		return strings.TrimSuffix("RTMAX-"+strconv.Itoa(rtMax-n), "-0")
	case n > 0 && n < 32:
		return strings.TrimPrefix(unix.SignalName(unix.Signal(n)), "SIG")
	}
	return ""
}

// The real-time signals as glibc numbers them (it keeps 32 and 33).
const rtMin, rtMax = 34, 64

// parseSignal reads TERM, SIGTERM, term, RTMIN+2 or 15; 0 checks that the target
// exists (kill -0 %1), as in sh.
func parseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < 65 {
		return unix.Signal(n), nil
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if sig := unix.SignalNum("SIG" + name); sig != 0 {
		return sig, nil
	}
	for n := rtMin; n <= rtMax; n++ {
		if signalName(n) == name {
			return unix.Signal(n), nil
		}
	}
	return 0, usageError("%q is not a signal (kill -l lists them)", s)
}
