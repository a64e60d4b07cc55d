package builtins

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsfs"
)

var setnsCmd = &Builtin{
	Name:    "setns",
	Summary: "join existing namespaces (a pin, /proc/PID/ns/KIND, or a process)",
	Usage:   "setns TARGET [KIND]\nsetns DIR\nsetns netns:NAME\nsetns -t PID [KIND...]\nsetns docker:NAME|podman:NAME [KIND...]\nsetns pod:[NAMESPACE/]NAME [KIND...]\nsetns nsid:N\nsetns -N FD|PID:FD\nsetns -t PID --user-parent\nsetns TARGET|-t PID|ENGINE:NAME [KIND...] CMD [ARG...]\nsetns --no-sys ...",
	Help: `With TARGET, joins the namespace in that file: a pin, /proc/PID/ns/KIND
or /proc/PID/task/TID/ns/KIND, or a directory of pins as pin DIR made it
(every kind pinned there is joined, all or nothing). The kind is read from the file; a KIND that
does not match it is an error. A relative TARGET is taken from the
context's working directory. netns:NAME is the ip netns namespace NAME
(/run/netns/NAME, whoever made it); a bare NAME where no file of that name
exists means the same.

With CMD, runs CMD (a builtin or a program) there and comes back, as ip
netns exec and nsenter do: the shell's context is as it was after, and the
status is CMD's. Any form takes a CMD after its kinds (setns -t PID -n ip
link, setns podman:web uts hostname). Only a failure to join counts as a
failed setns (see below); CMD's own failure is a command's. CMD sees the
/sys and /etc/netns/NAME files that go with the network namespace, as
after setns alone (--no-sys: not).

With -t PID, joins the listed kinds of that process, or every kind (user
only if it differs from the context's, like nsenter -t PID -a). All or
nothing: if one kind fails, the context is left exactly as it was.
nsenter's spellings work too: setns -t PID -n -u (--target, --net,
--uts ... name kinds; -a/--all is every kind).

Targets util-linux nsenter 2.41 has, in nsh's words:
  -t PID:INODE    nsenter -t PID:INODE: refused unless PID is still the
                  process whose pidfd has inode INODE (pidfs; a reused pid
                  has another), checked again after its files are opened
  -N FD           nsenter -N FD: the network namespace of socket FD
                  (SIOCGSKNS), one of the command's fds (setns -N 3 3<...);
  -N PID:FD       ... or of process PID's fd FD (pidfd_getfd)
  nsid:N          the network namespace that the context's network
                  namespace gives nsid N (ip link's link-netnsid);
                  nsenter has no such option
  --user-parent   nsenter --user-parent: with -t, the parent of PID's user
                  namespace instead of it (implies user)

Programs in a network namespace that is not home's see its /sys, and for
one with an ip netns name /etc/netns/NAME/* over /etc, as 'ip netns exec'
gives them: the context keeps a companion mount namespace for it (not
shown as a mount namespace of its own; see docs/design.md). Not when the
mount namespace is joined too (-t PID, a container: theirs is used).
--no-sys leaves /sys as nsenter does.

docker:NAME and podman:NAME (a name or id) join the namespaces of that
running container's process, as -t does: the engine is asked over its
API socket ($DOCKER_HOST or /var/run/docker.sock; $CONTAINER_HOST or
/run/podman/podman.sock), or for podman with no service running, with
'podman inspect'. containerd:[NAMESPACE/]ID asks containerd
($CONTAINERD_ADDRESS or /run/containerd/containerd.sock). pod:[NS/]NAME
is a Kubernetes pod (NS default if left out): the namespaces of its
sandbox's process, found through the CRI runtime service as crictl finds
it ($CONTAINER_RUNTIME_ENDPOINT, else containerd's socket, then CRI-O's
/var/run/crio/crio.sock): nsenter -t $(crictl inspectp -o go-template
--template '{{.info.pid}}' ID) in one word. Every call gives up after a
few seconds; with no engine, one line names each socket tried.

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
  setns -t 1234 user    a rootless container's user namespace
  setns podman:web          # like nsenter -t $(podman inspect ...) -a
  setns docker:web net
  setns pod:kube-system/coredns-5d78c9869d-x2k8q net
  setns red ip -o link      # red's links; the shell stays where it was
  setns -t 1234 -n ip -o link
  setns podman:web uts hostname`,
	Options:  []string{"-t", "-N", "--user-parent", "--no-sys"},
	Operands: Pins,
	Moves:    true,
	Run:      runSetns,
}

func runSetns(env *command.Env, args []string) error {
	if head, cmd := splitCommand(args); len(cmd) > 0 && isCommand(env, cmd) {
		return setnsRun(env, head, cmd)
	}
	return join(env, args)
}

// splitCommand cuts setns [OPTION...] [TARGET] [KIND...] CMD [ARG...]
// before CMD: options (and the values of -t and -N), then TARGET unless
// -t or -N named it, then the words that are kinds. CMD's own options are
// CMD's: nothing after its name is looked at. cmd is nil if none is left.
func splitCommand(args []string) (head, cmd []string) {
	i, target := 1, true
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		if name, _, inline := strings.Cut(strings.TrimLeft(a, "-"), "="); name == "t" || name == "target" || name == "N" {
			target = false
			if !inline {
				i++ // its value
			}
		}
	}
	if target {
		i++
	}
	for i < len(args) {
		if _, err := nsfs.ParseKind(args[i]); err != nil {
			break
		}
		i++
	}
	if i >= len(args) {
		return args, nil
	}
	return args[:i], args[i:]
}

// join is setns without CMD: it moves the context.
func join(env *command.Env, args []string) error {
	ops := args[1:]
	if hasOption(ops) {
		var o setnsOpts
		var err error
		if ops, o, err = setnsOptions(args); err != nil {
			return err
		}
		if o.noSys {
			env.Ctx.SkipSysView(true)
			defer env.Ctx.SkipSysView(false)
		}
		switch {
		case o.sock != "":
			if o.target != "" || len(ops) > 1 || len(ops) == 1 && ops[0] != "net" {
				return usageError("-N FD joins a network namespace only")
			}
			return setnsSocket(env, o.sock)
		case o.target != "":
			return setnsProcess(env, o.target, ops, o.userParent)
		case o.userParent:
			return usageError("--user-parent goes with -t PID")
		}
	}
	if done, err := setnsWord(env, ops); done {
		return err
	}
	if len(ops) < 1 || len(ops) > 2 {
		return usageError("want TARGET [KIND]")
	}
	want := nsfs.Kind(-1)
	if len(ops) == 2 {
		k, err := nsfs.ParseKind(ops[1])
		if err != nil {
			return usageError("%v", err)
		}
		want = k
	}
	return joinTarget(env, ops[0], want)
}

type setnsOpts struct {
	target, sock      string
	noSys, userParent bool
}

// setnsOptions parses setns's options. The common `setns TARGET [KIND]` has
// none and skips this: a hop in a loop should not build a FlagSet.
func setnsOptions(args []string) ([]string, setnsOpts, error) {
	var o setnsOpts
	// nsenter's spellings: setns -t PID -n -u, --net; -a is every kind.
	args, err := kindOptions(args, "", "a", []string{"all"}, func(k nsfs.Kind, file string) string {
		return fmt.Sprintf("give the file itself: setns %s %s", file, k)
	})
	if err != nil {
		return nil, o, err
	}
	fs := newFlags(args[0])
	fs.StringVar(&o.target, "t", "", "")
	fs.StringVar(&o.target, "target", "", "")
	fs.BoolVar(&o.noSys, "no-sys", false, "")
	fs.StringVar(&o.sock, "N", "", "")
	fs.BoolVar(&o.userParent, "user-parent", false, "")
	ops, err := parseFlags(fs, args)
	return ops, o, err
}

// hasOption reports whether any word looks like an option.
func hasOption(args []string) bool {
	for _, a := range args {
		if len(a) > 1 && a[0] == '-' {
			return true
		}
	}
	return false
}

// engineHint is a hint for a word that looks like ENGINE:NAME with an
// engine nsh does not know (nosuch:web, Podman:web).
func engineHint(word string) string {
	e, _, ok := strings.Cut(word, ":")
	if !ok || e == "" || strings.ContainsAny(e, "/.") {
		return ""
	}
	return "; containers are docker:NAME, podman:NAME, containerd:[NS/]ID, pod:[NS/]NAME"
}

// setnsRun is setns ... CMD...: join as head says, run CMD, and go back
// to the context as it was (stack and all), whatever CMD did.
func setnsRun(env *command.Env, head, cmd []string) error {
	l, err := langOf(env)
	if err != nil {
		return err
	}
	restore, err := env.Ctx.Save()
	if err != nil {
		return err
	}
	err = join(env, head)
	if err == nil {
		err = &RanError{l.Command(env, cmd)}
		if err.(*RanError).Err == nil {
			err = nil
		}
	}
	if rerr := restore(); rerr != nil {
		return fmt.Errorf("coming back after %s: %w", cmd[0], rerr)
	}
	return err
}

// isCommand tells setns TARGET CMD from setns TARGET KIND with the kind
// misspelled: one word that names no command is taken for a KIND.
func isCommand(env *command.Env, cmd []string) bool {
	l, err := langOf(env)
	if err != nil {
		return false
	}
	if _, err := nsfs.ParseKind(cmd[0]); err == nil {
		return false // setns TARGET KIND KIND...: kinds, not a command named uts
	}
	if len(cmd) > 1 {
		return true
	}
	what, _ := l.LookupCommand(cmd[0])
	return what != ""
}

// RanError is the status of the command setns TARGET CMD ran: the
// command's failure, not the builtin's, so it is no MoveError.
type RanError struct{ Err error }

func (e *RanError) Error() string { return e.Err.Error() }
func (e *RanError) Unwrap() error { return e.Err }

func setnsProcess(env *command.Env, target string, names []string, userPar bool) error {
	pid, check, err := processWord(env, target)
	if err != nil {
		return err
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		return fmt.Errorf("no process %d", pid)
	}
	kinds, err := parseKinds(names)
	if err != nil {
		return err
	}
	if userPar && !slices.Contains(kinds, nsfs.User) {
		kinds = append(kinds, nsfs.User) // as nsenter: it implies --user
	}
	if len(kinds) == 0 {
		// Every kind; user only when it differs from the context's, as
		// nsenter -a does (re-entering one's own user namespace is EINVAL).
		st, err := env.Ctx.Status()
		if err != nil {
			return err
		}
		ids, _ := nsfs.ProcessIDs(pid)
		for _, k := range nsfs.Kinds() {
			if k != nsfs.User || (!ids[k].IsZero() && ids[k] != st.Cur[k]) {
				kinds = append(kinds, k)
			}
		}
	}
	var hs []*nsfs.Handle
	defer func() {
		for _, h := range hs {
			h.Close()
		}
	}()
	for _, k := range kinds {
		// The process's own namespaces, as nsenter -t uses them.
		h, err := nsfs.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, k))
		if err != nil {
			return err
		}
		if k == nsfs.User && userPar {
			p, err := userParent(h)
			h.Close()
			if err != nil {
				return err
			}
			h = p
		}
		hs = append(hs, h)
	}
	if check != nil {
		if err := check(); err != nil {
			return err
		}
	}
	return env.Ctx.Join(hs...)
}

// joinTarget joins the namespace in a file (JoinFile opens it on the
// context thread, in the context's mount namespace), netns:NAME, or a bare
// NAME that is no file but an ip netns name. want < 0: any kind.
func joinTarget(env *command.Env, target string, want nsfs.Kind) error {
	if !strings.HasPrefix(target, "netns:") {
		err := env.Ctx.JoinFile(target, want)
		if errors.Is(err, nsfs.ErrNotNamespace) {
			if ok, derr := joinDir(env, target, want); ok {
				return derr
			}
			return &nsfs.Error{Path: target, Err: fmt.Errorf("%w, nor a directory of pins", nsfs.ErrNotNamespace)}
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
		return &nsfs.Error{Path: target, Err: fmt.Errorf("%w: it is a %s namespace, not %s", nsfs.ErrWrongKind, h.Kind(), want)}
	}
	return env.Ctx.Join(h)
}

// openTarget opens a setns TARGET: netns:NAME, a file, or else the ip
// netns namespace of that name. Names are looked up in nsh's home mount
// namespace, where ip netns keeps them.
func openTarget(env *command.Env, target string) (*nsfs.Handle, error) {
	if name, ok := strings.CutPrefix(target, "netns:"); ok {
		p, err := nsfs.NetnsPath(name)
		if err != nil {
			return nil, usageError("%v", err)
		}
		return nsfs.Open(p)
	}
	h, err := env.Ctx.Open(target)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return h, err
	}
	if p, perr := nsfs.NetnsPath(target); perr == nil {
		if nh, nerr := nsfs.Open(p); nerr == nil {
			return nh, nil
		} else if !errors.Is(nerr, fs.ErrNotExist) {
			return nil, nerr
		}
		return nil, &nsfs.Error{Path: target, Err: fmt.Errorf("no such file, and no ip netns namespace %q%s", target, engineHint(target))}
	}
	return nil, err
}
