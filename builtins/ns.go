package builtins

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"github.com/nsh-dev/nsh/nsinfo"
)

var nsCmd = &Builtin{
	Name:    "ns",
	Summary: "show the context's namespaces, a process's, or every namespace on the host",
	Usage: "ns [--json] [KIND...]\nns -p PID|ENGINE:NAME [--json] [KIND...]\n" +
		"ns -a [-t KIND]... [--json] [--tree[=owner|parent|process]] [KIND...]\n" +
		"ns graph [--json|--dot|--svg FILE] [-t PID]... [TARGET...]",
	Help: `One line per kind: the kind, the namespace inode, and '*' where it
differs from nsh's home namespaces. pid and time are the namespaces that
spawned programs get. A new pid namespace shows "new" until its first
program starts.

  ns              where the context is
  ns net uts      only these kinds
  ns --json       the same as JSON, for scripts
  ns -p 1234      where process 1234 is, marked against home
  ns -p podman:web  where that container's process is

With -a (--all), every namespace on the host, like lsns but also those held
only by pins (in any mount namespace), by open fds, or by single threads
(such as nsh's own context). -t KIND (repeatable, or comma-separated, or
KIND operands) keeps only those kinds and implies -a. Columns:

  NS       inode, with a '*' after it for a namespace the context is in
  KIND     namespace kind
  NPROCS   processes in it (counted once however many threads)
  PID PPID the lowest such process and its parent
  USER     that process's owner     COMMAND  its command line
  PATH     pins (ip netns names as /run/netns/NAME; pins of other mount
           namespaces as /proc/PID/root/...); for a namespace that only
           open fds hold, those as /proc/PID/fd/N (JSON: "fds", always);
           for a pid or time namespace no process is in yet, the threads
           whose children would be, /proc/PID/task/TID/ns/KIND_for_children
           (JSON: "for_children")
  NETNSID  the id the home network namespace gives it (- if none)
  OWNER    its user namespace       PARENT   parent pid/user namespace
  CONTAINER  ENGINE:NAME of the container whose process is in it (podman,
           docker, containerd:NS/ID, pod:NS/NAME), read from the command
           line of the container monitor (conmon, containerd-shim) that
           started it (a pod's from its sandbox's config.json); docker's
           names from its API (JSON: "container": engine, name, id; null
           for none)

--tree draws the user-namespace ownership tree (owner, the default), the
pid/user hierarchy (parent), or namespaces under the namespace of their
process's parent (process). --json gives objects (nested "children" with
--tree); "unreadable" lists processes whose /proc entry could not be read.

  ns -a -t net
  ns -a --tree=owner
  ns -a --json net

ns graph shows the wiring of network namespaces (all, or the TARGETs:
ip netns names, pins, -t PID): each one's links (type, state, MTU,
master, addresses), then the edges: veth pairs (red:veth0 <-> blue:veth1,
each end found from both sides by netnsid and ifindex), bridge ports,
and the parents of vlan, macvlan, ipvlan and vxlan links, also on the
host. Loopback-only namespaces share one line. --json gives nodes and
edges (docs/graph.md), --dot Graphviz input (no state colours with
NO_COLOR set), --svg FILE the picture, drawn by Graphviz's dot.

  ns graph
  ns graph --svg net.svg red blue`,
	Options:    []string{"--json", "-p", "-a", "--all", "-t", "--tree", "--tree=owner", "--tree=parent", "--tree=process"},
	SubOptions: map[string][]string{"graph": {"--json", "--dot", "--svg", "-t"}},
	Operands:   Kinds,
	Run:        runNs,
}

type nsEntry struct {
	Kind    string `json:"kind"`
	Inode   uint64 `json:"inode,omitempty"`
	Home    uint64 `json:"home_inode"`
	Differs bool   `json:"differs"`
	New     bool   `json:"pending,omitempty"`
}

// kindList is a repeatable -t KIND[,KIND].
type kindList []string

func (l *kindList) String() string { return strings.Join(*l, ",") }
func (l *kindList) Set(s string) error {
	*l = append(*l, strings.Split(s, ",")...)
	return nil
}

// treeFlag is --tree with an optional =MODE.
type treeFlag string

func (t *treeFlag) String() string   { return string(*t) }
func (t *treeFlag) IsBoolFlag() bool { return true }
func (t *treeFlag) Set(s string) error {
	switch s {
	case "true", "owner":
		*t = "owner"
	case "parent", "process":
		*t = treeFlag(s)
	case "false":
		*t = ""
	default:
		return fmt.Errorf("bad --tree %q (want owner, parent or process)", s)
	}
	return nil
}

func runNs(env *command.Env, args []string) error {
	if len(args) > 1 && args[1] == "graph" {
		return runNsGraph(env, args[1:])
	}
	fs := newFlags(args[0])
	asJSON := fs.Bool("json", false, "")
	pword := fs.String("p", "", "")
	all := fs.Bool("a", false, "")
	fs.BoolVar(all, "all", false, "")
	var types kindList
	fs.Var(&types, "t", "")
	var tree treeFlag
	fs.Var(&tree, "tree", "")
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(types) > 0 || tree != "" {
		*all = true
	}
	kinds, err := parseKinds(append(types, ops...))
	if err != nil {
		return err
	}
	pid := new(int)
	if *pword != "" {
		var check func() error
		if *pid, check, err = processWord(env, *pword); err != nil {
			return err
		}
		if check != nil {
			if err := check(); err != nil {
				return err
			}
		}
	}
	if *all {
		if *pid != 0 {
			return usageError("-p and -a do not go together")
		}
		return nsAll(env, kinds, string(tree), *asJSON)
	}
	if len(kinds) == 0 {
		kinds = nsfs.Kinds()
	}
	st, err := env.Ctx.Status()
	if err != nil {
		return err
	}
	cur := st.Cur
	if *pid != 0 {
		if *pid < 0 {
			return usageError("bad pid %d", *pid)
		}
		ids, err := nsfs.ProcessIDs(*pid)
		if err != nil {
			return err
		}
		cur = ids
	}
	entries := make([]nsEntry, 0, len(kinds))
	for _, k := range kinds {
		entries = append(entries, nsEntry{
			Kind: k.String(), Inode: cur[k].Ino, Home: st.Home[k].Ino,
			Differs: cur[k] != st.Home[k], New: cur[k].IsZero(),
		})
	}
	if *asJSON {
		out := struct {
			PID        int       `json:"pid,omitempty"`
			Depth      *int      `json:"depth,omitempty"`
			Cwd        string    `json:"cwd,omitempty"`
			Namespaces []nsEntry `json:"namespaces"`
		}{PID: *pid, Namespaces: entries}
		if *pid == 0 {
			out.Depth, out.Cwd = &st.Depth, st.Cwd
		}
		return writeJSON(env.Stdout, out)
	}
	writeNsTable(env.Stdout, entries)
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeNsTable(w io.Writer, entries []nsEntry) {
	for _, e := range entries {
		ino := strconv.FormatUint(e.Inode, 10)
		if e.New {
			ino = "new"
		} else if e.Inode == 0 {
			ino = "?"
		}
		mark := ""
		if e.Differs {
			mark = " *"
		}
		fmt.Fprintf(w, "%-6s %s%s\n", e.Kind, ino, mark)
	}
}

// nsAll lists every namespace on the host (ns -a).
func nsAll(env *command.Env, kinds []nsfs.Kind, tree string, asJSON bool) error {
	// The output is made from the snapshot: a few MB, then gone.
	defer nsinfo.PauseGC()()
	scan := kinds
	if tree == "owner" && len(kinds) > 0 {
		// The tree is made of user namespaces.
		scan = append(append([]nsfs.Kind(nil), kinds...), nsfs.User)
	}
	snap, err := nsinfo.Scan(nsinfo.Options{Kinds: scan})
	if err != nil {
		return err
	}
	st, err := env.Ctx.Status()
	if err != nil {
		return err
	}
	snap.AttachContainers(getenv(env))
	rows := snap.Namespaces
	var depth []int
	if tree != "" {
		rows, depth = treeOrder(snap, tree)
	}
	if asJSON {
		return writeAllJSON(env.Stdout, allJSON(snap, rows, depth, &st))
	}
	writeAllTable(env.Stdout, rows, depth, treeLast(depth), &st)
	return nil
}

// treeOrder returns the namespaces in depth-first order of the tree and the
// depth of each.
func treeOrder(s *nsinfo.Snapshot, mode string) ([]*nsinfo.Namespace, []int) {
	up := func(ns *nsinfo.Namespace) *nsinfo.Namespace {
		switch mode {
		case "owner":
			return s.Lookup(ns.Owner)
		case "parent":
			return s.Lookup(ns.Parent)
		}
		return s.ProcessParent(ns)
	}
	children := map[*nsinfo.Namespace][]*nsinfo.Namespace{}
	var roots []*nsinfo.Namespace
	for _, ns := range s.Namespaces {
		if p := up(ns); p != nil && p != ns {
			children[p] = append(children[p], ns)
		} else {
			roots = append(roots, ns)
		}
	}
	var rows []*nsinfo.Namespace
	var depth []int
	seen := map[*nsinfo.Namespace]bool{}
	var walk func(ns *nsinfo.Namespace, d int)
	walk = func(ns *nsinfo.Namespace, d int) {
		if seen[ns] {
			return
		}
		seen[ns] = true
		rows, depth = append(rows, ns), append(depth, d)
		for _, c := range children[ns] {
			walk(c, d+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
	// A cycle (not possible for the kernel's relations) would leave some
	// out: show them at the top level rather than lose them.
	for _, ns := range s.Namespaces {
		walk(ns, 0)
	}
	return rows, depth
}

// treeLast reports for each row whether it is the last child of its parent.
func treeLast(depth []int) []bool {
	last := make([]bool, len(depth))
	for i := range depth {
		last[i] = true
		for j := i + 1; j < len(depth) && depth[j] >= depth[i]; j++ {
			if depth[j] == depth[i] {
				last[i] = false
				break
			}
		}
	}
	return last
}

// treePrefix draws the branches in front of row i.
func treePrefix(depth []int, last []bool, i int) string {
	if depth == nil || depth[i] == 0 {
		return ""
	}
	var b strings.Builder
	// For each level above, a bar if that ancestor has siblings below.
	for lvl := 1; lvl < depth[i]; lvl++ {
		anc := i
		for anc >= 0 && depth[anc] != lvl {
			anc--
		}
		if anc >= 0 && !last[anc] {
			b.WriteString("│ ")
		} else {
			b.WriteString("  ")
		}
	}
	if last[i] {
		b.WriteString("└─")
	} else {
		b.WriteString("├─")
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func inoOrDash(id nsfs.ID) string {
	if id.IsZero() {
		return "-"
	}
	return strconv.FormatUint(id.Ino, 10)
}

func pinPaths(ns *nsinfo.Namespace) []string {
	ps := []string{}
	for _, p := range ns.Pins {
		ps = append(ps, p.HostPath())
	}
	return ps
}

func fdPaths(ns *nsinfo.Namespace) []string {
	ps := []string{}
	for _, f := range ns.Fds {
		ps = append(ps, f.Path())
	}
	return ps
}

func childPaths(ns *nsinfo.Namespace) []string {
	var ps []string
	for _, t := range ns.ForChildren {
		ps = append(ps, t.Path())
	}
	return ps
}

// pathText is the PATH column: the pins, or when there are none and no
// process is in it either, the threads whose children would be (pid and
// time) and the fds that hold it (every nsh on the host holds its home
// namespaces open: listing those everywhere is noise).
func pathText(ns *nsinfo.Namespace) string {
	ps := pinPaths(ns)
	if len(ps) == 0 && len(ns.PIDs) == 0 {
		ps = append(childPaths(ns), fdPaths(ns)...)
	}
	return dash(strings.Join(ps, ","))
}

func netnsidText(ns *nsinfo.Namespace) string {
	if ns.NetnsID >= 0 {
		return strconv.Itoa(ns.NetnsID)
	}
	return "-"
}

func writeAllTable(w io.Writer, rows []*nsinfo.Namespace, depth []int, last []bool, st *nsctx.Status) {
	head := []string{"NS", "KIND", "NPROCS", "PID", "PPID", "USER", "COMMAND", "PATH", "NETNSID", "OWNER", "PARENT", "CONTAINER"}
	cells := make([][]string, 0, len(rows)+1)
	cells = append(cells, head)
	for i, ns := range rows {
		mark := ""
		if st.Cur[ns.Kind] == ns.ID {
			mark = "*"
		}
		pid, ppid := "-", "-"
		if ns.PID != 0 {
			pid, ppid = strconv.Itoa(ns.PID), strconv.Itoa(ns.PPID)
		}
		cmd := ns.Command
		if len(cmd) > 40 {
			cmd = cmd[:39] + "…"
		}
		cells = append(cells, []string{
			treePrefix(depth, last, i) + strconv.FormatUint(ns.ID.Ino, 10) + mark, ns.Kind.String(),
			strconv.Itoa(len(ns.PIDs)), pid, ppid, dash(ns.User), dash(cmd),
			pathText(ns), netnsidText(ns), inoOrDash(ns.Owner), inoOrDash(ns.Parent), containerText(ns),
		})
	}
	widths := make([]int, len(cells[0]))
	size := 0
	for _, r := range cells {
		for c, s := range r {
			widths[c] = max(widths[c], utf8.RuneCountInString(s))
			size += len(s)
		}
	}
	b := make([]byte, 0, size+len(cells)*(len(widths)+sum(widths)))
	for _, r := range cells {
		for c, s := range r {
			b = append(b, s...)
			if c == len(r)-1 {
				break
			}
			for n := widths[c] - utf8.RuneCountInString(s) + 1; n > 0; n-- {
				b = append(b, ' ')
			}
		}
		b = append(b, '\n')
	}
	w.Write(b)
}

func sum(l []int) (n int) {
	for _, v := range l {
		n += v
	}
	return n
}

// nsJSON is one namespace in ns -a --json.
type nsJSON struct {
	NS          uint64            `json:"ns"`
	Kind        string            `json:"kind"`
	NProcs      int               `json:"nprocs"`
	PID         *int              `json:"pid"`
	PPID        *int              `json:"ppid"`
	UID         *int              `json:"uid"`
	User        *string           `json:"user"`
	Command     *string           `json:"command"`
	Paths       []string          `json:"paths"`
	Fds         []string          `json:"fds"`
	ForChildren []string          `json:"for_children,omitempty"`
	Netns       []string          `json:"netns_names,omitempty"`
	NetnsID     *int              `json:"netnsid,omitempty"`
	Owner       *uint64           `json:"owner"`
	Parent      *uint64           `json:"parent"`
	Current     bool              `json:"current"`
	Container   *nsinfo.Container `json:"container"`
	PIDs        []int             `json:"pids"`
	Children    []*nsJSON         `json:"children,omitempty"`
}

func toJSON(ns *nsinfo.Namespace, st *nsctx.Status) *nsJSON {
	j := &nsJSON{
		NS: ns.ID.Ino, Kind: ns.Kind.String(), NProcs: len(ns.PIDs),
		Paths: pinPaths(ns), Fds: fdPaths(ns), ForChildren: childPaths(ns), Netns: ns.Names, Current: st.Cur[ns.Kind] == ns.ID, PIDs: ns.PIDs,
		Container: ns.Container,
	}
	if j.PIDs == nil {
		j.PIDs = []int{}
	}
	if ns.PID != 0 {
		j.PID, j.PPID, j.UID = &ns.PID, &ns.PPID, &ns.UID
		j.User, j.Command = &ns.User, &ns.Command
	}
	if ns.Kind == nsfs.Net && ns.NetnsID >= 0 {
		j.NetnsID = &ns.NetnsID
	}
	if !ns.Owner.IsZero() {
		j.Owner = &ns.Owner.Ino
	}
	if !ns.Parent.IsZero() {
		j.Parent = &ns.Parent.Ino
	}
	return j
}

// allOut is the whole of ns -a --json.
type allOut struct {
	Namespaces []*nsJSON `json:"namespaces"`
	Unreadable []int     `json:"unreadable"`
}

func allJSON(s *nsinfo.Snapshot, rows []*nsinfo.Namespace, depth []int, st *nsctx.Status) *allOut {
	out := &allOut{Namespaces: []*nsJSON{}, Unreadable: s.Unreadable}
	if out.Unreadable == nil {
		out.Unreadable = []int{}
	}
	var stack []*nsJSON // the open ancestors, by depth
	for i, ns := range rows {
		j := toJSON(ns, st)
		if depth == nil || depth[i] == 0 {
			out.Namespaces = append(out.Namespaces, j)
			stack = append(stack[:0], j)
			continue
		}
		p := stack[depth[i]-1]
		p.Children = append(p.Children, j)
		stack = append(stack[:depth[i]], j)
	}
	return out
}

// The JSON of ns -a is written by hand: encoding/json (reflection, then a
// second pass to indent) took about 9 ms for 1,000 namespaces, as long as
// the rest of the command. The output is byte for byte what
// writeJSON(allJSON(...)) gives (TestNsAllJSONMatchesEncoding).

// writeAllJSON writes out as writeJSON would.
func writeAllJSON(w io.Writer, out *allOut) error {
	b := make([]byte, 0, 512*len(out.Namespaces)+64)
	b = append(b, "{\n  \"namespaces\": "...)
	b = appendNsList(b, out.Namespaces, "  ")
	b = append(b, ",\n  \"unreadable\": "...)
	b = appendInts(b, out.Unreadable, "  ")
	b = append(b, "\n}\n"...)
	_, err := w.Write(b)
	return err
}

// appendNsList appends a list of namespaces whose key sits at indent ind.
func appendNsList(b []byte, l []*nsJSON, ind string) []byte {
	return appendList(b, l, ind, func(b []byte, j *nsJSON) []byte { return j.appendJSON(b, ind+"  ") })
}

// appendJSON appends the object, its opening brace at indent ind.
func (j *nsJSON) appendJSON(b []byte, ind string) []byte {
	in := ind + "  "
	b = append(b, '{')
	sep := "\n"
	key := func(k string) {
		b = append(append(append(append(b, sep...), in...), k...), ": "...)
		sep = ",\n"
	}
	key(`"ns"`)
	b = strconv.AppendUint(b, j.NS, 10)
	key(`"kind"`)
	b = appendJSONString(b, j.Kind)
	key(`"nprocs"`)
	b = strconv.AppendInt(b, int64(j.NProcs), 10)
	key(`"pid"`)
	b = appendIntPtr(b, j.PID)
	key(`"ppid"`)
	b = appendIntPtr(b, j.PPID)
	key(`"uid"`)
	b = appendIntPtr(b, j.UID)
	key(`"user"`)
	b = appendStringPtr(b, j.User)
	key(`"command"`)
	b = appendStringPtr(b, j.Command)
	key(`"paths"`)
	b = appendStrings(b, j.Paths, in)
	key(`"fds"`)
	b = appendStrings(b, j.Fds, in)
	if len(j.ForChildren) > 0 {
		key(`"for_children"`)
		b = appendStrings(b, j.ForChildren, in)
	}
	if len(j.Netns) > 0 {
		key(`"netns_names"`)
		b = appendStrings(b, j.Netns, in)
	}
	if j.NetnsID != nil {
		key(`"netnsid"`)
		b = appendIntPtr(b, j.NetnsID)
	}
	key(`"owner"`)
	b = appendUintPtr(b, j.Owner)
	key(`"parent"`)
	b = appendUintPtr(b, j.Parent)
	key(`"current"`)
	b = strconv.AppendBool(b, j.Current)
	key(`"container"`)
	b = appendContainer(b, j.Container, in)
	key(`"pids"`)
	b = appendInts(b, j.PIDs, in)
	if len(j.Children) > 0 {
		key(`"children"`)
		b = appendNsList(b, j.Children, in)
	}
	return append(append(append(b, '\n'), ind...), '}')
}

func appendIntPtr(b []byte, v *int) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*v), 10)
}

func appendUintPtr(b []byte, v *uint64) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendUint(b, *v, 10)
}

func appendStringPtr(b []byte, v *string) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *v)
}

// appendList appends a list whose key sits at indent ind, one item per
// line; a nil list is null, as encoding/json writes it.
func appendList[T any](b []byte, l []T, ind string, item func([]byte, T) []byte) []byte {
	if l == nil {
		return append(b, "null"...)
	}
	if len(l) == 0 {
		return append(b, "[]"...)
	}
	b = append(b, '[')
	for i, v := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(append(b, '\n'), ind...), "  "...)
		b = item(b, v)
	}
	return append(append(append(b, '\n'), ind...), ']')
}

func appendInts(b []byte, l []int, ind string) []byte {
	return appendList(b, l, ind, func(b []byte, v int) []byte { return strconv.AppendInt(b, int64(v), 10) })
}

func appendStrings(b []byte, l []string, ind string) []byte {
	return appendList(b, l, ind, appendJSONString)
}

// appendJSONString quotes s as encoding/json does. Plain printable ASCII
// (nearly every path and command) is copied; anything else (escapes,
// HTML-safe <>&, invalid UTF-8, U+2028) is left to encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	return append(append(append(b, '"'), s...), '"')
}
