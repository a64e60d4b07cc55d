package builtins

import "github.com/nsh-dev/nsh/nsctx"

var unpinCmd = &Builtin{
	Name:    "unpin",
	Summary: "remove pins (unmount and delete the files)",
	Usage:   "unpin PATH...",
	Help: `Unmounts each pin and removes its file. The namespace itself lives on as
long as a process or another pin holds it. Every PATH is tried; the status
is 1 if any failed.

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
		abs, err := absPath(env, p)
		if err == nil {
			err = nsctx.Unpin(abs)
		}
		if err != nil && first == nil {
			first = err
		} else if err != nil {
			env.Stderr.Write([]byte("unpin: " + err.Error() + "\n"))
		}
	}
	return first
}

// absPath joins a relative path to the context's working directory.
func absPath(env *Env, p string) (string, error) {
	if len(p) > 0 && p[0] == '/' {
		return p, nil
	}
	wd, err := env.Ctx.Getwd()
	if err != nil {
		return "", err
	}
	return wd + "/" + p, nil
}
