package builtins

import "github.com/nsh-dev/nsh/nsctx"

var pinCmd = &Builtin{
	Name:    "pin",
	Summary: "bind-mount the context's namespaces so they outlive every process",
	Usage:   "pin KIND PATH\npin DIR",
	Help: `pin KIND PATH bind-mounts the context's namespace of that kind onto PATH,
making the file and its parent directories as needed. pin DIR pins every
kind that differs from home as DIR/KIND.

Pins are made in nsh's home mount namespace, so a host shell can use them
(nsenter --net=PATH ...), and they stay after nsh exits; remove them with
unpin. A relative path is joined to the context's working directory. A
mount namespace can only be pinned on a mount that is not shared: nsh
makes the directory a private bind mount of itself when needed, as
iproute2 does for /run/netns.

  unshare net uts
  pin /tmp/lab              # /tmp/lab/net and /tmp/lab/uts
  pin net /run/netns/lab    # usable by: ip netns exec lab ...`,
	Operands: Kinds,
	Run:      runPin,
}

func runPin(env *Env, args []string) error {
	fs := newFlags(args[0])
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch len(ops) {
	case 1:
		_, err := env.Ctx.PinAll(ops[0])
		return err
	case 2:
		k, err := nsctx.ParseKind(ops[0])
		if err != nil {
			return usageError("%v", err)
		}
		_, err = env.Ctx.Pin(k, ops[1])
		return err
	}
	return usageError("want KIND PATH or DIR")
}
