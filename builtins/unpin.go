package builtins

var unpinCmd = &Builtin{
	Name:    "unpin",
	Summary: "remove pins (unmount and delete the files)",
	Usage:   "unpin PATH...",
	Help: `Unmounts each pin and removes its file. The namespace itself lives on as
long as a process or another pin holds it. Every PATH is tried; the status
is 1 if any failed.

PATH is walked as pin walks it (no symbolic link followed that another
user made or could swap in) and what it names is unmounted. Through a
directory another user can change (owned by them, or writable by group or
others and not sticky) what a path names is up to them: there nsh unpins
only the pins it made itself, and refuses the others.

  unpin /tmp/lab/net /tmp/lab/uts`,
	Operands: Pins,
	Run:      runUnpin,
}

func runUnpin(env *Env, args []string) error {
	fs := newFlags(args[0])
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(ops) == 0 {
		return usageError("no path given")
	}
	var first error
	for _, p := range ops {
		err := env.Ctx.Unpin(p)
		if err != nil && first == nil {
			first = err
		} else if err != nil {
			env.Stderr.Write([]byte("unpin: " + err.Error() + "\n"))
		}
	}
	return first
}
