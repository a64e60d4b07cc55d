package builtins

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/nsh-dev/nsh/nsctx"
)

var setnsCmd = &Builtin{
	Name:    "setns",
	Summary: "join existing namespaces (a pin, /proc/PID/ns/KIND, or a process)",
	Usage:   "setns TARGET [KIND]\nsetns DIR\nsetns netns:NAME\nsetns -t PID [KIND...]",
	Help: `With TARGET, joins the namespace in that file: a pin, /proc/PID/ns/KIND
or /proc/PID/task/TID/ns/KIND, or a directory of pins as pin DIR made it
(every kind pinned there is joined, all or nothing). The kind is read from the file; a KIND that
does not match it is an error. A relative TARGET is taken from the
context's working directory. netns:NAME is the ip netns namespace NAME
(/run/netns/NAME, whoever made it); a bare NAME where no file of that name
exists means the same.

With -t PID, joins the listed kinds of that process, or every kind (user
only if it differs from the context's, like nsenter -t PID -a). All or
nothing: if one kind fails, the context is left exactly as it was.
nsenter's spellings work too: setns -t PID -n -u (--target, --net,
--uts ... name kinds; -a/--all is every kind).

Joining a user namespace (a rootless container's, one made by
'unshare -r') works without root if it is yours: programs spawned
afterwards run in it as uid and gid 0 with no supplementary groups, as
nsenter gives them, and the other kinds of the process are entered from
inside it.

  setns /tmp/lab/net
  setns /tmp/lab            # pin /tmp/lab made it: net and uts
  setns red                 # ip netns add red made it
  setns /proc/1234/ns/uts uts
  setns -t 1234
  setns -t 1234 net mnt
  setns -t 1234 user    a rootless container's user namespace`,
	Options:  []string{"-t"},
	Operands: Pins,
	Moves:    true,
	Run:      runSetns,
}

func runSetns(env *Env, args []string) error {
	// nsenter's spellings: setns -t PID -n -u, --net; -a is every kind.
	args, err := kindOptions(args, "", "a", []string{"all"}, func(k nsctx.Kind, file string) string {
		return fmt.Sprintf("give the file itself: setns %s %s", file, k)
	})
	if err != nil {
		return err
	}
	fs := newFlags(args[0])
	target := fs.String("t", "", "")
	fs.StringVar(target, "target", "", "")
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *target != "" {
		return setnsProcess(env, *target, ops)
	}
	if len(ops) < 1 || len(ops) > 2 {
		return usageError("want TARGET [KIND]")
	}
	want := nsctx.Kind(-1)
	if len(ops) == 2 {
		k, err := nsctx.ParseKind(ops[1])
		if err != nil {
			return usageError("%v", err)
		}
		want = k
	}
	return joinTarget(env, ops[0], want)
}

func setnsProcess(env *Env, target string, names []string) error {
	pid, err := strconv.Atoi(target)
	if err != nil || pid <= 0 {
		return usageError("-t wants a process id, not %q", target)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		return fmt.Errorf("no process %d", pid)
	}
	kinds, err := parseKinds(names)
	if err != nil {
		return err
	}
	if len(kinds) == 0 {
		// Every kind; user only when it differs from the context's, as
		// nsenter -a does (re-entering one's own user namespace is EINVAL).
		st, err := env.Ctx.Status()
		if err != nil {
			return err
		}
		ids, _ := nsctx.ProcessIDs(pid)
		for _, k := range nsctx.Kinds() {
			if k != nsctx.User || (!ids[k].IsZero() && ids[k] != st.Cur[k]) {
				kinds = append(kinds, k)
			}
		}
	}
	var hs []*nsctx.Handle
	defer func() {
		for _, h := range hs {
			h.Close()
		}
	}()
	for _, k := range kinds {
		// The process's own namespaces, as nsenter -t uses them.
		h, err := nsctx.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, k))
		if err != nil {
			return err
		}
		hs = append(hs, h)
	}
	return env.Ctx.Join(hs...)
}

// joinTarget joins the namespace in a file (JoinFile opens it on the
// context thread, in the context's mount namespace), netns:NAME, or a bare
// NAME that is no file but an ip netns name. want < 0: any kind.
func joinTarget(env *Env, target string, want nsctx.Kind) error {
	if !strings.HasPrefix(target, "netns:") {
		err := env.Ctx.JoinFile(target, want)
		if errors.Is(err, nsctx.ErrNotNamespace) {
			if ok, derr := joinDir(env, target, want); ok {
				return derr
			}
			return &nsctx.Error{Path: target, Err: fmt.Errorf("%w, nor a directory of pins", nsctx.ErrNotNamespace)}
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	h, err := openTarget(env, target)
	if err != nil {
		return err
	}
	defer h.Close()
	if want >= 0 && h.Kind() != want {
		return &nsctx.Error{Path: target, Err: fmt.Errorf("%w: it is a %s namespace, not %s", nsctx.ErrWrongKind, h.Kind(), want)}
	}
	return env.Ctx.Join(h)
}

// openTarget opens a setns TARGET: netns:NAME, a file, or else the ip
// netns namespace of that name. Names are looked up in nsh's home mount
// namespace, where ip netns keeps them.
func openTarget(env *Env, target string) (*nsctx.Handle, error) {
	if name, ok := strings.CutPrefix(target, "netns:"); ok {
		p, err := nsctx.NetnsPath(name)
		if err != nil {
			return nil, usageError("%v", err)
		}
		return nsctx.Open(p)
	}
	h, err := env.Ctx.Open(target)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return h, err
	}
	if p, perr := nsctx.NetnsPath(target); perr == nil {
		if nh, nerr := nsctx.Open(p); nerr == nil {
			return nh, nil
		} else if !errors.Is(nerr, fs.ErrNotExist) {
			return nil, nerr
		}
		return nil, &nsctx.Error{Path: target, Err: fmt.Errorf("no such file, and no ip netns namespace %q", target)}
	}
	return nil, err
}
