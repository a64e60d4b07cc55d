package builtins

import (
	"fmt"

	"github.com/nsh-dev/nsh/command"
	"golang.org/x/sys/unix"
)

var timesCmd = &Builtin{
	Name:    "times",
	Summary: "print the CPU time used by the shell and by its children",
	Usage:   "times",
	Help: `Prints two lines, as POSIX's times: the user and system CPU time nsh
itself has used, then those of the programs it has started and waited
for (all of nsh's threads count: its namespace context, its helpers).

  times
  0m0.021s 0m0.013s
  0m1.402s 0m0.377s`,
	Special: true,
	Thread:  true,
	Pure:    true,
	Run: func(env *command.Env, args []string) error {
		for _, who := range []int{unix.RUSAGE_SELF, unix.RUSAGE_CHILDREN} {
			var ru unix.Rusage
			if err := unix.Getrusage(who, &ru); err != nil {
				return fmt.Errorf("getrusage: %w", err)
			}
			fmt.Fprintf(env.Stdout, "%s %s\n", minutes(ru.Utime), minutes(ru.Stime))
		}
		return nil
	},
}

// minutes writes a time as times does: 1m2.345s.
func minutes(t unix.Timeval) string {
	ms := t.Sec*1000 + int64(t.Usec)/1000
	return fmt.Sprintf("%dm%d.%03ds", ms/60000, ms/1000%60, ms%1000)
}
