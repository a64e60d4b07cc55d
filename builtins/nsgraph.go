package builtins

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"github.com/nsh-dev/nsh/nsinfo"
	"golang.org/x/sys/unix"
)

// intList is a repeatable -t PID.
type intList []int

func (l *intList) String() string { return fmt.Sprint(*l) }
func (l *intList) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return fmt.Errorf("-t wants a process id, not %q", s)
	}
	*l = append(*l, n)
	return nil
}

// runNsGraph is ns graph: the links of network namespaces and what joins
// them (nsinfo.ReadGraph).
func runNsGraph(env *command.Env, args []string) error {
	fs := newFlags("ns graph")
	asJSON := fs.Bool("json", false, "")
	asDOT := fs.Bool("dot", false, "")
	svg := fs.String("svg", "", "")
	var pids intList
	fs.Var(&pids, "t", "")
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	var want []nsfs.ID
	for _, pid := range pids {
		ids, err := nsfs.ProcessIDs(pid)
		if err != nil {
			return err
		}
		want = append(want, ids[nsfs.Net])
	}
	for _, t := range ops {
		h, err := openTarget(env, t)
		if err != nil {
			return err
		}
		id, kind := h.ID(), h.Kind()
		h.Close()
		if kind != nsfs.Net {
			return usageError("%s is a %s namespace, not net", t, kind)
		}
		want = append(want, id)
	}
	st, err := env.Ctx.Status()
	if err != nil {
		return err
	}
	snap, err := nsinfo.Scan(nsinfo.Options{Kinds: []nsfs.Kind{nsfs.Net}, NoFds: len(want) == 0})
	if err != nil {
		return err
	}
	for _, id := range want {
		if snap.Lookup(id) == nil {
			return fmt.Errorf("network namespace %d went away", id.Ino)
		}
	}
	g, err := nsinfo.ReadGraph(snap, st.Home[nsfs.Net], want)
	if err != nil {
		return err
	}
	// no-color.org: set and not empty.
	nc, _ := env.Shell.Var("NO_COLOR")
	noColour := nc != ""
	switch {
	case *svg != "":
		return writeSVG(env, g, *svg, !noColour)
	case *asDOT:
		return g.WriteDOT(env.Stdout, !noColour)
	case *asJSON:
		return g.WriteJSON(env.Stdout)
	}
	return g.WriteText(env.Stdout)
}

// writeSVG renders the DOT form with Graphviz's dot into file, a path as
// the context sees it.
func writeSVG(env *command.Env, g *nsinfo.Graph, file string, colour bool) error {
	path, _ := env.Shell.Var("PATH")
	dot := ""
	for _, d := range filepath.SplitList(path) {
		if p := filepath.Join(d, "dot"); unix.Access(p, unix.X_OK) == nil {
			dot = p
			break
		}
	}
	if dot == "" {
		return fmt.Errorf("--svg needs Graphviz's dot, not found in PATH: install it (apt-get install graphviz), or use --dot")
	}
	var in, out, errb bytes.Buffer
	if err := g.WriteDOT(&in, colour); err != nil {
		return err
	}
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = &in, &out, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dot: %v: %s", err, bytes.TrimSpace(errb.Bytes()))
	}
	return env.Ctx.Files(func(fs nsctx.FS) error {
		f, err := fs.Open(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			return err
		}
		if _, err := f.Write(out.Bytes()); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}
