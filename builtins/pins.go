package builtins

import (
	"encoding/json"
	"fmt"
	"path"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

var pinsCmd = &Builtin{
	Name:    "pins",
	Summary: "list pinned namespaces (nsfs mounts)",
	Usage:   "pins [--json]",
	Help: `Lists every namespace bind mount in nsh's home mount namespace, made by
nsh, ip netns, unshare --net=FILE or anything else: kind, inode, path.
A '*' marks a pin of the namespace the context is in. A pin in /run/netns
is an ip netns namespace: its name follows, as (ip netns NAME), and
'setns NAME' joins it. Without root, pins made inside the context's mount
namespace (where nsh makes them then) follow, marked (inside).`,
	Options: []string{"--json"},
	Run:     runPins,
}

func runPins(env *command.Env, args []string) error {
	fs := newFlags(args[0])
	asJSON := fs.Bool("json", false, "")
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(ops) != 0 {
		return usageError("no operands expected")
	}
	pins, err := env.Ctx.Pins()
	if err != nil {
		return err
	}
	st, err := env.Ctx.Status()
	if err != nil {
		return err
	}
	if *asJSON {
		type pin struct {
			Kind    string `json:"kind"`
			Inode   uint64 `json:"inode"`
			Path    string `json:"path"`
			Current bool   `json:"current"`
			Netns   string `json:"netns_name,omitempty"`
			Inside  bool   `json:"inside,omitempty"`
		}
		out := make([]pin, 0, len(pins))
		for _, p := range pins {
			out = append(out, pin{p.Kind.String(), p.Ino, p.Path, st.Cur[p.Kind].Ino == p.Ino, netnsName(p), p.Inside})
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, p := range pins {
		mark := " "
		if st.Cur[p.Kind].Ino == p.Ino {
			mark = "*"
		}
		name := ""
		if n := netnsName(p); n != "" {
			name = " (ip netns " + n + ")"
		}
		if p.Inside {
			name += " (inside)"
		}
		fmt.Fprintf(env.Stdout, "%-6s %d %s %s%s\n", p.Kind, p.Ino, mark, p.Path, name)
	}
	return nil
}

// netnsName is the ip netns name of a pin in /run/netns, or "".
func netnsName(p nsctx.PinInfo) string {
	if p.Kind != nsfs.Net || path.Dir(p.Path) != nsfs.NetnsDir {
		return ""
	}
	return path.Base(p.Path)
}
