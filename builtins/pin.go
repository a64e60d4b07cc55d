package builtins

import "github.com/nsh-dev/nsh/nsctx"

var pinCmd = &Builtin{
	Name:    "pin",
	Summary: "bind-mount the context's namespaces so they outlive every process",
	Usage:   "pin KIND PATH\npin DIR\npin --netns NAME",
	Help: `pin KIND PATH bind-mounts the context's namespace of that kind onto PATH,
making the file and its parent directories as needed. PATH may be an
existing empty file (as util-linux's unshare --net=FILE wants), never a
file with data, a symbolic link or a directory. pin DIR pins every kind
that differs from home as DIR/KIND. unpin unmounts and removes the file
(an empty one only).

On the way to PATH a symbolic link is followed only if root (or the user
running nsh) owns it and the directory holding it, and no one else can
write that directory (sticky ones such as /tmp aside): /var/run/x works, a
link another user made or could swap in is refused, and the pin goes onto
exactly the file checked.

Pins are made in nsh's home mount namespace, so a host shell can use them
(nsenter --net=PATH ...), and they stay after nsh exits; remove them with
unpin. A relative path is joined to the context's working directory. A
mount namespace can only be pinned on a mount that is not shared: nsh
makes the directory a private bind mount of itself when needed, as
iproute2 does for /run/netns.

  unshare net uts
  pin /tmp/lab              # /tmp/lab/net and /tmp/lab/uts
  pin net /run/netns/lab    # usable by: ip netns exec lab ...

pin --netns NAME pins the context's network namespace as /run/netns/NAME
exactly as 'ip netns add' does: /run/netns is made a shared mount in a
peer group of its own, under the same flock, so 'ip netns list', 'ip netns
exec NAME' and 'ip netns del NAME' work on it, and nsh can join it again
with 'setns NAME'.

  unshare net
  pin --netns blue          # then: ip netns exec blue ip link`,
	Options:  []string{"--netns"},
	Operands: Kinds,
	Run:      runPin,
}

func runPin(env *Env, args []string) error {
	fs := newFlags(args[0])
	netns := fs.String("netns", "", "")
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *netns != "" {
		if len(ops) != 0 {
			return usageError("--netns NAME takes no other operands")
		}
		if _, err := nsctx.NetnsPath(*netns); err != nil {
			return usageError("%v", err)
		}
		_, err := env.Ctx.PinNetns(*netns)
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
