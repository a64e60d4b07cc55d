package builtins

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsfs"
)

var pinCmd = &Builtin{
	Name:    "pin",
	Summary: "bind-mount the context's namespaces so they outlive every process",
	Usage:   "pin KIND PATH\npin DIR\npin [--force] --netns NAME",
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

Without root, pins are made inside the context's mount namespace (after
unshare user --map-root and unshare mnt), parent directories too; pin DIR
then pins every kind but mnt, which cannot be pinned inside itself, and
says so.

  unshare net uts
  pin /tmp/lab              # /tmp/lab/net and /tmp/lab/uts
  pin net /run/netns/lab    # usable by: ip netns exec lab ...

pin --netns NAME pins the context's network namespace as /run/netns/NAME
exactly as 'ip netns add' does: /run/netns is made a shared mount in a
peer group of its own, under the same flock, so 'ip netns list', 'ip netns
exec NAME' and 'ip netns del NAME' work on it, and nsh can join it again
with 'setns NAME'. At home (the context's net namespace is the host's)
it is refused: the name would let 'ip netns exec NAME' act on the host;
--force (-f) names it anyway. Only net is named: when other kinds differ
too pin says so; pin DIR keeps them all (and setns DIR joins them all).

  unshare net
  pin --netns blue          # then: ip netns exec blue ip link`,
	Options:  []string{"--netns", "--force"},
	Operands: PinTargets,
	Run:      runPin,
}

func runPin(env *command.Env, args []string) error {
	fs := newFlags(args[0])
	netns := fs.String("netns", "", "")
	force := fs.Bool("force", false, "")
	fs.BoolVar(force, "f", false, "")
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *netns != "" {
		if len(ops) != 0 {
			return usageError("--netns NAME takes no other operands")
		}
		return pinNetns(env, *netns, *force)
	}
	switch len(ops) {
	case 1:
		if k, err := nsfs.ParseKind(ops[0]); err == nil {
			// Read as DIR, it would pin into ./net/net.
			return usageError("%s is a kind: want pin %s PATH (or pin ./%s for a directory)", ops[0], k, ops[0])
		}
		if _, err := env.Ctx.PinAll(ops[0]); err != nil {
			return err
		}
		if st, err := env.Ctx.Status(); err == nil && st.Differs(nsfs.Mnt) && os.Geteuid() != 0 {
			fmt.Fprintf(env.Stderr, "pin: mnt is not pinned: without root the pins are inside the context's mount namespace, which cannot hold itself\n")
		}
		return nil
	case 2:
		k, err := nsfs.ParseKind(ops[0])
		if err != nil {
			return usageError("%v", err)
		}
		_, err = env.Ctx.Pin(k, ops[1])
		return err
	}
	return usageError("want KIND PATH or DIR")
}

// pinNetns is pin --netns NAME. At home it would name the host's network
// namespace, which ip netns exec NAME would then act on: refused unless
// forced. Only net is pinned; the kinds that differ besides are told.
func pinNetns(env *command.Env, name string, force bool) error {
	if _, err := nsfs.NetnsPath(name); err != nil {
		return usageError("%v", err)
	}
	st, err := env.Ctx.Status()
	if err != nil {
		return err
	}
	if !st.Differs(nsfs.Net) && !force {
		return errors.New("nothing to pin: the context's net namespace is home's (--force names it anyway)")
	}
	if _, err := env.Ctx.PinNetns(name); err != nil {
		return err
	}
	var also []string
	for _, k := range nsfs.Kinds() {
		if k != nsfs.Net && st.Differs(k) {
			also = append(also, k.String())
		}
	}
	if len(also) > 0 {
		fmt.Fprintf(env.Stderr, "pin: only the net namespace is named %s; %s differs too: pin DIR keeps every kind\n", name, strings.Join(also, " "))
	}
	return nil
}
