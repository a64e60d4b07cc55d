package builtins

import (
	"fmt"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
)

// limit is one resource ulimit knows, with the unit it counts in.
type limit struct {
	letter   byte
	resource int
	name     string
	unit     string
	factor   uint64
}

var limits = []limit{
	{'c', unix.RLIMIT_CORE, "core file size", "blocks", 512},
	{'d', unix.RLIMIT_DATA, "data seg size", "kbytes", 1024},
	{'f', unix.RLIMIT_FSIZE, "file size", "blocks", 512},
	{'l', unix.RLIMIT_MEMLOCK, "max locked memory", "kbytes", 1024},
	{'n', unix.RLIMIT_NOFILE, "open files", "", 1},
	{'s', unix.RLIMIT_STACK, "stack size", "kbytes", 1024},
	{'t', unix.RLIMIT_CPU, "cpu time", "seconds", 1},
	{'u', unix.RLIMIT_NPROC, "max user processes", "", 1},
	{'v', unix.RLIMIT_AS, "virtual memory", "kbytes", 1024},
}

var ulimitCmd = &Builtin{
	Name:    "ulimit",
	Summary: "show or set resource limits of the programs nsh starts",
	Usage:   "ulimit [-H|-S] [-a | -c|-d|-f|-l|-n|-s|-t|-u|-v [LIMIT|unlimited]]",
	Help: `Shows a resource limit, or sets it to LIMIT (a number in the resource's
unit, or unlimited). Without a resource option it is -f. -S is the soft
limit (what is enforced), -H the hard one (the ceiling the soft limit may
be raised to; only root raises it). Shown is the soft limit unless -H;
set are both unless -H or -S. -a shows every limit.

  -c core file size (512-byte blocks)   -d data segment (KiB)
  -f file size (512-byte blocks)        -l locked memory (KiB)
  -n open files                         -s stack (KiB)
  -t CPU time (seconds)                 -u processes of the user
  -v virtual memory (KiB)

The limits are nsh's process's, which every program it starts inherits;
they are not per context or per subshell: a ulimit inside ( ... ) or a
pipeline stage stays after it, unlike sh. Lowering a soft limit binds
nsh itself too (ulimit -f 1 stops nsh writing big files; ulimit -n 20
leaves it few descriptors); use it in a script that only starts
programs, or raise it back after. -n shows the limit programs get: Go
raises nsh's own open-files limit at start and gives programs the one
nsh was started with, until ulimit -n sets one.

  ulimit -c 0
  ulimit -n 4096; ulimit -Hn
  ulimit -a`,
	Thread: true,
	Pure:   true,
	Run: func(env *command.Env, args []string) error {
		opts, ops, err := splitOptions(args, "HSacdflnstuv")
		if err != nil {
			return err
		}
		hard, soft, all := false, false, false
		var which []limit
		for _, c := range []byte(opts) {
			switch c {
			case 'H':
				hard = true
			case 'S':
				soft = true
			case 'a':
				all = true
			default:
				l, _ := findLimit(c)
				which = append(which, l)
			}
		}
		if all {
			which = limits
		} else if len(which) == 0 {
			which = limits[2:3] // -f
		}
		if len(ops) > 1 || len(ops) == 1 && (all || len(which) > 1) {
			return usageError("one limit is set at a time")
		}
		if len(ops) == 1 {
			if !hard && !soft {
				hard, soft = true, true
			}
			return setLimit(which[0], ops[0], hard, soft)
		}
		for _, l := range which {
			cur, max, err := getLimit(l)
			if err != nil {
				return err
			}
			v := cur
			if hard {
				v = max
			}
			if len(which) == 1 {
				fmt.Fprintln(env.Stdout, showLimit(l, v))
				continue
			}
			label := l.name
			if l.unit != "" {
				label += " (" + l.unit + ", -" + string(l.letter) + ")"
			} else {
				label += " (-" + string(l.letter) + ")"
			}
			fmt.Fprintf(env.Stdout, "%-32s %s\n", label, showLimit(l, v))
		}
		return nil
	},
}

func findLimit(c byte) (limit, bool) {
	for _, l := range limits {
		if l.letter == c {
			return l, true
		}
	}
	return limit{}, false
}

// getLimit is the limit as programs nsh starts get it.
func getLimit(l limit) (cur, max uint64, err error) {
	var r unix.Rlimit
	if err := unix.Getrlimit(l.resource, &r); err != nil {
		return 0, 0, fmt.Errorf("getrlimit: %w", err)
	}
	if l.resource == unix.RLIMIT_NOFILE && !nsctx.NofileChanged() && nsctx.StartNofile != 0 {
		r.Cur = nsctx.StartNofile
	}
	return r.Cur, r.Max, nil
}

func showLimit(l limit, v uint64) string {
	if v == unix.RLIM_INFINITY {
		return "unlimited"
	}
	return strconv.FormatUint(v/l.factor, 10)
}

func setLimit(l limit, s string, hard, soft bool) error {
	v := uint64(unix.RLIM_INFINITY)
	if s != "unlimited" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n > uint64(unix.RLIM_INFINITY)/l.factor {
			return &command.StatusError{Code: 1, Err: fmt.Errorf("%s: bad number", s)}
		}
		v = n * l.factor
	}
	cur, max, err := getLimit(l)
	if err != nil {
		return err
	}
	if hard {
		max = v
		if cur > max && !soft {
			cur = max
		}
	}
	if soft {
		cur = v
	}
	// syscall's Setrlimit, not unix's: for RLIMIT_NOFILE it tells os/exec
	// to give programs this limit, not the one nsh started with.
	if err := syscall.Setrlimit(l.resource, &syscall.Rlimit{Cur: cur, Max: max}); err != nil {
		return &command.StatusError{Code: 1, Err: fmt.Errorf("-%c: cannot set the limit: %w", l.letter, err)}
	}
	if l.resource == unix.RLIMIT_NOFILE {
		nsctx.NofileSet() // programs get this limit now, not the start one
	}
	return nil
}
