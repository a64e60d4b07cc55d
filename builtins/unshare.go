package builtins

import "github.com/nsh-dev/nsh/nsctx"

var unshareCmd = &Builtin{
	Name:    "unshare",
	Summary: "give the context new namespaces",
	Usage:   "unshare [--propagation private|slave|shared|unchanged] KIND...",
	Help: `Creates new namespaces of every KIND in one step: either all of them are
new afterwards or nothing changed. Programs spawned afterwards run in them.
pid and time namespaces are for the programs nsh starts (the first program
spawned after 'unshare pid' is its init). For mnt, the new mount tree is
made private by default, as util-linux unshare does.

  unshare net           a fresh network namespace with only lo
  unshare net uts ipc   several at once
  unshare mnt --propagation slave

user namespaces are not supported on the context thread yet.`,
	Options:  []string{"--propagation"},
	Operands: Kinds,
	Run:      runUnshare,
}

func runUnshare(env *Env, args []string) error {
	fs := newFlags(args[0])
	prop := fs.String("propagation", "private", "")
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	p, err := nsctx.ParsePropagation(*prop)
	if err != nil {
		return usageError("%v", err)
	}
	if len(ops) == 0 {
		return usageError("no namespace kind given")
	}
	kinds, err := parseKinds(ops)
	if err != nil {
		return err
	}
	return env.Ctx.Unshare(kinds, p)
}
