package builtins

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsfs"
	"github.com/nsh-dev/nsh/nsinfo"
)

var identifyCmd = &Builtin{
	Name:    "identify",
	Summary: "which pins, ip netns names and processes share a namespace",
	Usage:   "identify [-v] [--json] [PATH|NAME|PID|ENGINE:NAME] [KIND...]",
	Help: `Like 'ip netns identify', for every kind: for the namespace in PATH (a
pin, /proc/PID/ns/KIND, an ip netns NAME), or each namespace of process
PID or container ENGINE:NAME (docker:web, podman:web), or (with neither) each namespace of the context, it lists

  names   ip netns names (/run/netns/NAME)
  pins    nsfs bind mounts, in any mount namespace
  pids    processes in it (any of their threads)
  fds     /proc/PID/fd/N files holding it open
  container  ENGINE:NAME (id) of the container whose process is in it

KIND operands keep only those kinds. '*' marks a namespace the context is
in. More than 8 pids are summed up (the first 8 and the count): -v lists
them all, as --json does.

  identify                  where the context is, and who else is there
  identify red              the ip netns namespace red
  identify 1234 net         process 1234's network namespace`,
	Options:  []string{"--json", "-v"},
	Operands: Pins,
	Run:      runIdentify,
}

func runIdentify(env *command.Env, args []string) error {
	fs := newFlags(args[0])
	asJSON := fs.Bool("json", false, "")
	verbose := fs.Bool("v", false, "")
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	st, err := env.Ctx.Status()
	if err != nil {
		return err
	}
	// The target is the first operand unless it names a kind.
	var target string
	if len(ops) > 0 {
		if _, err := nsfs.ParseKind(ops[0]); err != nil {
			target, ops = ops[0], ops[1:]
		}
	}
	kinds, err := parseKinds(ops)
	if err != nil {
		return err
	}
	var want []nsfs.Kind
	var ids [nsfs.NumKinds]nsfs.ID
	if c, ok, err := containerPID(env, target); ok {
		if err != nil {
			return err
		}
		target = strconv.Itoa(c.PID)
	}
	switch pid, perr := strconv.Atoi(target); {
	case target == "":
		ids = st.Cur
	case perr == nil && pid > 0:
		if !processExists(pid) {
			return fmt.Errorf("no process %d", pid)
		}
		for _, k := range kindsOr(kinds) {
			h, err := nsfs.Open(fmt.Sprintf("/proc/%d/ns/%s", pid, k))
			if err != nil {
				return err
			}
			ids[k] = h.ID()
			h.Close()
		}
	default:
		h, err := openTarget(env, target)
		if err != nil {
			return err
		}
		// Closed before the scan, or the scan finds this very handle.
		k, id := h.Kind(), h.ID()
		h.Close()
		if len(kinds) > 0 && (len(kinds) > 1 || kinds[0] != k) {
			return &nsfs.Error{Path: target, Err: fmt.Errorf("%w: it is a %s namespace", nsfs.ErrWrongKind, k)}
		}
		kinds = []nsfs.Kind{k}
		ids[k] = id
	}
	for _, k := range kindsOr(kinds) {
		if !ids[k].IsZero() {
			want = append(want, k)
		}
	}
	snap, err := nsinfo.Scan(nsinfo.Options{Kinds: want})
	if err != nil {
		return err
	}
	snap.AttachContainers(getenv(env))
	var list []*nsinfo.Namespace
	for _, k := range want {
		ns := snap.Lookup(ids[k])
		if ns == nil {
			// Nothing but the target itself holds it (a process that
			// has just exited).
			ns = &nsinfo.Namespace{Kind: k, ID: ids[k], UID: -1, NetnsID: nsinfo.NetnsIDUnknown}
		}
		list = append(list, ns)
	}
	if *asJSON {
		out := make([]*nsJSON, 0, len(list))
		for _, ns := range list {
			out = append(out, toJSON(ns, &st))
		}
		return writeJSON(env.Stdout, out)
	}
	var b strings.Builder
	for _, ns := range list {
		mark := ""
		if st.Cur[ns.Kind] == ns.ID {
			mark = " *"
		}
		fmt.Fprintf(&b, "%s:[%d]%s\n", ns.Kind, ns.ID.Ino, mark)
		if len(ns.Names) > 0 {
			fmt.Fprintf(&b, "  names: %s\n", strings.Join(ns.Names, " "))
		}
		var pins []string
		for _, p := range ns.Pins {
			pins = append(pins, p.HostPath())
		}
		if len(pins) > 0 {
			fmt.Fprintf(&b, "  pins:  %s\n", strings.Join(pins, " "))
		}
		pids := "none"
		if len(ns.PIDs) > 0 {
			s := make([]string, len(ns.PIDs))
			for i, p := range ns.PIDs {
				s[i] = strconv.Itoa(p)
			}
			pids = strings.Join(s, " ")
			if len(s) > pidsShown && !*verbose {
				// The host's namespaces hold every process: a summary.
				pids = fmt.Sprintf("%s ... (%d in all; identify -v lists them)", strings.Join(s[:pidsShown], " "), len(s))
			}
		}
		fmt.Fprintf(&b, "  pids:  %s\n", pids)
		if len(ns.Fds) > 0 {
			var fds []string
			for _, f := range ns.Fds {
				fds = append(fds, f.Path())
			}
			fmt.Fprintf(&b, "  fds:   %s\n", strings.Join(fds, " "))
		}
		if c := ns.Container; c != nil {
			fmt.Fprintf(&b, "  container: %s (%s)\n", c.Label(), c.ID)
		}
		if ps := childPaths(ns); len(ps) > 0 {
			fmt.Fprintf(&b, "  for children of: %s\n", strings.Join(ps, " "))
		}
	}
	_, err = env.Stdout.Write([]byte(b.String()))
	return err
}

// pidsShown is how many pids identify lists without -v.
const pidsShown = 8

func processExists(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}

// kindsOr is kinds, or every kind when none are given.
func kindsOr(kinds []nsfs.Kind) []nsfs.Kind {
	if len(kinds) == 0 {
		return nsfs.Kinds()
	}
	return kinds
}
