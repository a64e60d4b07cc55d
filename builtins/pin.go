package builtins

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsfs"
)

var pinCmd = &Builtin{
	Name:    "pin",
	Summary: "bind-mount the context's namespaces so they outlive every process",
	Usage:   "pin [-t TARGET] KIND PATH\npin [-t TARGET] DIR\npin [-t TARGET] [--force] --netns NAME",
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
  pin --netns blue          # then: ip netns exec blue ip link

With -t TARGET the namespaces pinned are a process's or a container's,
not the context's, and the context does not move: TARGET is what setns -t
takes (PID, PID:INODE, docker:NAME, podman:NAME, containerd:NS/ID,
pod:NS/NAME). pin -t TARGET DIR pins every kind in which the target is
not where nsh started.

  pin -t docker:web --netns web   # ip netns exec web ... reaches the container
  pin -t 4242 /tmp/lab            # /tmp/lab/net, /tmp/lab/uts, ... of pid 4242`,
	Options:  []string{"--netns", "--force", "-t"},
	Operands: PinTargets,
	Run:      runPin,
}

func runPin(env *command.Env, args []string) error {
	fs := newFlags(args[0])
	netns := fs.String("netns", "", "")
	force := fs.Bool("force", false, "")
	fs.BoolVar(force, "f", false, "")
	target := fs.String("t", "", "")
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *target != "" {
		return pinTarget(env, *target, ops, *netns, *force)
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

// pinTarget is pin -t TARGET: the namespaces of a process or a container,
// opened as setns -t opens them (its own, not *_for_children), pinned
// without the context moving.
func pinTarget(env *command.Env, target string, ops []string, netns string, force bool) error {
	pid, check, err := processWord(env, target)
	if err != nil {
		return err
	}
	var hs []*nsfs.Handle
	defer func() {
		for _, h := range hs {
			h.Close()
		}
	}()
	open := func(k nsfs.Kind) (*nsfs.Handle, error) {
		h, err := nsfs.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, k))
		if err != nil {
			return nil, err
		}
		hs = append(hs, h)
		return h, nil
	}
	if check == nil {
		check = func() error { return nil } // no PID:INODE to hold it to
	}
	switch {
	case netns != "":
		if len(ops) != 0 {
			return usageError("--netns NAME takes no other operands")
		}
		if _, err := nsfs.NetnsPath(netns); err != nil {
			return usageError("%v", err)
		}
		h, err := open(nsfs.Net)
		if err != nil {
			return err
		}
		if err := check(); err != nil {
			return err
		}
		st, err := env.Ctx.Status()
		if err != nil {
			return err
		}
		if h.ID() == st.Home[nsfs.Net] && !force {
			return fmt.Errorf("nothing to pin: %s's net namespace is nsh's home one (--force names it anyway)", target)
		}
		_, err = env.Ctx.PinNetnsHandle(h, netns)
		return err
	case len(ops) == 2:
		k, err := nsfs.ParseKind(ops[0])
		if err != nil {
			return usageError("%v", err)
		}
		h, err := open(k)
		if err != nil {
			return err
		}
		if err := check(); err != nil {
			return err
		}
		_, err = env.Ctx.PinHandle(h, ops[1])
		return err
	case len(ops) == 1:
		if k, err := nsfs.ParseKind(ops[0]); err == nil {
			return usageError("%s is a kind: want pin -t %s %s PATH (or pin -t %s ./%s for a directory)", ops[0], target, k, target, ops[0])
		}
		st, err := env.Ctx.Status()
		if err != nil {
			return err
		}
		var want []*nsfs.Handle
		for _, k := range nsfs.Kinds() {
			h, err := open(k)
			if err != nil {
				return err
			}
			if h.ID() != st.Home[k] {
				want = append(want, h)
			}
		}
		if err := check(); err != nil {
			return err
		}
		if len(want) == 0 {
			return fmt.Errorf("nothing to pin: %s is in every one of nsh's home namespaces", target)
		}
		var done []string
		for _, h := range want {
			p, err := env.Ctx.PinHandle(h, filepath.Join(ops[0], h.Kind().String()))
			if err != nil {
				for _, d := range done {
					env.Ctx.Unpin(d)
				}
				return err
			}
			done = append(done, p.Path)
		}
		return nil
	}
	return usageError("want -t TARGET KIND PATH, -t TARGET DIR or -t TARGET --netns NAME")
}
