package builtins

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/nsh-dev/nsh/nsctx"
)

var nsCmd = &Builtin{
	Name:    "ns",
	Summary: "show the context's namespaces (or a process's)",
	Usage:   "ns [--json] [KIND...]\nns -p PID [--json] [KIND...]",
	Help: `One line per kind: the kind, the namespace inode, and '*' where it
differs from nsh's home namespaces. pid and time are the namespaces that
spawned programs get. A new pid namespace shows "new" until its first
program starts.

  ns              where the context is
  ns net uts      only these kinds
  ns --json       the same as JSON, for scripts
  ns -p 1234      where process 1234 is, marked against home`,
	Options:  []string{"--json", "-p"},
	Operands: Kinds,
	Run:      runNs,
}

type nsEntry struct {
	Kind    string `json:"kind"`
	Inode   uint64 `json:"inode,omitempty"`
	Home    uint64 `json:"home_inode"`
	Differs bool   `json:"differs"`
	New     bool   `json:"pending,omitempty"`
}

func runNs(env *Env, args []string) error {
	fs := newFlags(args[0])
	asJSON := fs.Bool("json", false, "")
	pid := fs.Int("p", 0, "")
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	kinds, err := parseKinds(ops)
	if err != nil {
		return err
	}
	if len(kinds) == 0 {
		kinds = nsctx.Kinds()
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
		ids, err := nsctx.ProcessIDs(*pid)
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
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	writeNsTable(env.Stdout, entries)
	return nil
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
