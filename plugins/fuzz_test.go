package plugins

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nsh-dev/nsh/internal/nstest"
	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"
)

// checkSafe fails the test unless s is text checkDescribed lets through:
// valid UTF-8, no control character but tab (and newline if lines), at
// most max bytes.
func checkSafe(t *testing.T, what, s string, max int, lines bool) {
	t.Helper()
	if !utf8.ValidString(s) || len(s) > max || strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\t' && !(lines && r == '\n')
	}) {
		t.Fatalf("%s is not safe to print: %q", what, s)
	}
}

// checkCommands fails the test unless version and cmds are a description
// the host may keep, one that checkDescribed gives back unchanged.
func checkCommands(t *testing.T, version string, cmds []Command) {
	t.Helper()
	checkSafe(t, "version", version, maxLine, false)
	seen := map[string]bool{}
	for _, c := range cmds {
		if !validName(c.Name) || seen[c.Name] || strings.ContainsAny(c.Name, " \t\n/$;|&<>'\"\\") {
			t.Fatalf("command name %q kept", c.Name)
		}
		seen[c.Name] = true
		checkSafe(t, "summary", c.Summary, maxLine, false)
		checkSafe(t, "usage", c.Usage, maxText, true)
		checkSafe(t, "help", c.Help, maxText, true)
	}
	if len(cmds) > maxCommands {
		t.Fatalf("%d commands kept", len(cmds))
	}
	v, again, err := checkDescribed(version, cmds)
	if err != nil || v != version || !reflect.DeepEqual(again, cmds) {
		t.Fatalf("a checked description changes when checked again: %v", err)
	}
}

// What a plugin answers to Describe, as the host receives it.
func FuzzDescribe(f *testing.F) {
	for _, r := range []*pluginv1.DescribeResponse{
		{Version: "0.1.0", Commands: []*pluginv1.Command{{Name: "techo", Summary: "print", Usage: "techo [ARG...]", Help: "line 1\nline 2\n", Completes: true}}},
		{Version: "\x1b]0;owned\x07", Commands: []*pluginv1.Command{{Name: "a b"}}},
		{Commands: []*pluginv1.Command{{Name: "x"}, {Name: "x"}}},
		{Commands: []*pluginv1.Command{{Name: "ok", Summary: "\x1b[2J" + strings.Repeat("é", 300)}}},
		{},
	} {
		b, err := proto.Marshal(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r pluginv1.DescribeResponse
		if proto.Unmarshal(data, &r) != nil {
			return
		}
		var cmds []Command
		for _, c := range r.Commands {
			cmds = append(cmds, Command{c.Name, c.Summary, c.Usage, c.Help, c.Completes})
		}
		version, cmds, err := checkDescribed(r.Version, cmds)
		if err != nil {
			checkSafe(t, "the error", err.Error(), maxError, false)
			return
		}
		checkCommands(t, version, cmds)
	})
}

// The describe cache as loadCache reads it: whatever the file holds, what
// is kept is a description the host could have made, and it survives
// saving and loading unchanged.
func FuzzLoadCache(f *testing.F) {
	f.Add([]byte(`{"version":1,"plugins":{"/p/nsh-plugin-test":{"size":10,"mtime":20,"version":"0.1.0","commands":[{"name":"techo","summary":"print","usage":"techo","help":"h"}]}}}`))
	f.Add([]byte(`{"version":1,"plugins":{"/p/a":null,"/p/b":{"broken":"bad\u001b[31m handshake"},"/p/c":{"commands":[{"name":""}]}}}`))
	f.Add([]byte(`{"version":2,"plugins":{"/p/a":{}}}`))
	f.Add([]byte(`{"version":1,"plugins":{"/p/a":{"commands":[{"name":"cd"},{"name":"cd"}]}}}`))
	f.Add([]byte(`not json`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "plugins.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		m := loadCache(path)
		for p, e := range m {
			if e == nil {
				t.Fatalf("a nil entry for %q", p)
			}
			if e.Broken != "" {
				checkSafe(t, "broken", e.Broken, maxError, false)
				continue
			}
			checkCommands(t, e.Version, e.Commands)
		}
		saved := filepath.Join(dir, "again.json")
		saveCache(saved, m)
		if again := loadCache(saved); !reflect.DeepEqual(again, m) {
			t.Fatalf("saved and loaded again, the cache changed:\n%v\n%v", m, again)
		}
	})
}

// startFailure words go-plugin's error (which quotes the plugin's
// handshake line) and the plugin's stderr: whatever they hold, the message
// is a few printable lines.
func FuzzStartFailure(f *testing.F) {
	f.Add("timeout while waiting for plugin to start", []byte("mute plugin: sleeping\n"))
	f.Add("Unrecognized remote plugin message: hello, I am not a plugin\nFailed to read any lines", []byte("garbage\n"))
	f.Add("unknown address type: \x1b]0;title\x07", []byte("panic: oops\n\ngoroutine 1 [running]:\nmain.main()\n\t/x.go:1\n"))
	f.Add("plugin exited before we could connect", []byte(strings.Repeat("\xff", 5000)))
	f.Fuzz(func(t *testing.T, msg string, stderr []byte) {
		pr := &proc{plugin: &Plugin{Name: "x"}, stderr: &ring{}}
		pr.stderr.Write(stderr)
		s := pr.startFailure(errors.New(msg), time.Second).Error()
		if !strings.HasPrefix(s, "plugin x failed to start: ") {
			t.Fatalf("%q", s)
		}
		lines := strings.Split(s, "\n")
		if len(lines) > 2+ringLines {
			t.Fatalf("%d lines: %q", len(lines), s)
		}
		for _, l := range lines {
			checkSafe(t, "a line of the message", l, 2*maxError, false)
		}
	})
}

// The trust walk against random trees of directories, files and links,
// some of them uid 1000's or writable by others. Whatever openPlugin
// accepts is the file the kernel finds at the path, a file nobody else
// could have changed, reached through nothing anyone else could change:
// moving aside what uid 1000 could move aside leaves the kernel finding
// the same file.
func FuzzTrustWalk(f *testing.F) {
	nstest.RequireRoot(f)
	// 4 bytes a node (parent, kind, owner and mode, link target), then the
	// query (which node, spelt how).
	f.Add([]byte{0, 1, 0, 0, 0})                               // one good file
	f.Add([]byte{0, 0, 1, 0, 1, 1, 0, 0, 0, 2, 0, 1, 2})       // a dir of uid 1000's holding a file, a link to it
	f.Add([]byte{0, 0, 4, 0, 1, 1, 0, 0, 1, 2, 1, 1, 2})       // a sticky dir, a link of uid 1000's in it
	f.Add([]byte{0, 1, 0, 0, 0, 2, 0, 0x10, 0, 2, 0, 0x11, 2}) // relative links to a good file
	f.Add([]byte{0, 2, 0, 1, 0, 2, 0, 0, 0})                   // a loop
	f.Fuzz(func(t *testing.T, data []byte) {
		base := openTempDir(t)
		tree := buildTree(t, base, data)
		if tree.query == "" {
			return
		}
		file, st, err := openPlugin(tree.query)
		if err != nil {
			return
		}
		file.Close()
		var want unix.Stat_t
		if err := unix.Stat(tree.query, &want); err != nil || want.Dev != st.Dev || want.Ino != st.Ino {
			t.Fatalf("%s: opened %d:%d, the kernel finds %d:%d (%v)", tree.query, st.Dev, st.Ino, want.Dev, want.Ino, err)
		}
		for _, n := range tree.nodes {
			if n.untrusted() && n.ino == st.Ino {
				t.Fatalf("%s: accepted %s, which uid 1000 could change", tree.query, n.path)
			}
		}
		stash := filepath.Join(base, "stash")
		if err := os.Mkdir(stash, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, n := range tree.nodes {
			if !n.untrusted() {
				continue
			}
			moved := n.moveAside(t, stash)
			var got unix.Stat_t
			err := unix.Stat(tree.query, &got)
			moved()
			if err != nil || got.Ino != st.Ino {
				t.Fatalf("%s: accepted, but what uid 1000 could move aside (%s) decides what it names", tree.query, n.path)
			}
		}
	})
}

type fuzzNode struct {
	path   string
	dir    bool
	link   bool
	uid    int
	mode   os.FileMode
	ino    uint64
	parent *fuzzNode // nil: the base
}

// untrusted reports whether uid 1000 could change the node: rename what is
// in it (a directory), or replace it (a file or link), or write it.
func (n *fuzzNode) untrusted() bool {
	if n.uid != 0 {
		return true
	}
	writable := n.mode.Perm()&0o022 != 0
	return !n.link && writable && !(n.dir && n.mode&os.ModeSticky != 0) ||
		n.parent != nil && n.parent.writableByOthers()
}

func (n *fuzzNode) writableByOthers() bool {
	return n.uid != 0 || n.mode.Perm()&0o022 != 0 && n.mode&os.ModeSticky == 0
}

// moveAside moves what uid 1000 could move: everything in a directory, or
// the node itself; the function returned puts it back.
func (n *fuzzNode) moveAside(t *testing.T, stash string) func() {
	var names []string
	from := filepath.Dir(n.path)
	if n.dir && n.writableByOthers() {
		from = n.path
		ents, _ := os.ReadDir(n.path)
		for _, e := range ents {
			names = append(names, e.Name())
		}
	} else {
		names = []string{filepath.Base(n.path)}
	}
	for _, name := range names {
		if err := os.Rename(filepath.Join(from, name), filepath.Join(stash, name)); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		for _, name := range names {
			if err := os.Rename(filepath.Join(stash, name), filepath.Join(from, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

type fuzzTree struct {
	nodes []*fuzzNode
	query string
}

// buildTree makes up to 10 nodes in base as data says, and the path to
// ask openPlugin about.
func buildTree(t *testing.T, base string, data []byte) fuzzTree {
	var tr fuzzTree
	var dirs []*fuzzNode
	var links []func()
	for i := 0; len(data) >= 4 && i < 10; i, data = i+1, data[4:] {
		n := &fuzzNode{uid: 0}
		parent := base
		if k := int(data[0]) % (len(dirs) + 1); k > 0 {
			n.parent = dirs[k-1]
			parent = n.parent.path
		}
		n.path = filepath.Join(parent, fmt.Sprintf("n%d", i))
		if data[2]&1 != 0 {
			n.uid = attackerUID
		}
		switch data[1] % 3 {
		case 0:
			n.dir = true
			n.mode = []os.FileMode{0o755, 0o775, 0o777 | os.ModeSticky, 0o757}[data[2]>>1&3]
			mkdir(t, n.path, n.mode, n.uid)
			dirs = append(dirs, n)
		case 1:
			n.mode = []os.FileMode{0o755, 0o775, 0o757, 0o644}[data[2]>>1&3]
			if err := os.WriteFile(n.path, []byte("#!/bin/sh\n"), n.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(n.path, n.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(n.path, n.uid, n.uid); err != nil {
				t.Fatal(err)
			}
		case 2:
			n.link, n.mode = true, os.ModeSymlink|0o777
			sel := data[3]
			links = append(links, func() { symlink(t, linkTarget(&tr, n, sel), n.path, n.uid) })
		}
		tr.nodes = append(tr.nodes, n)
	}
	for _, make := range links { // once every node they may name exists
		make()
	}
	for _, n := range tr.nodes {
		var st unix.Stat_t
		if err := unix.Lstat(n.path, &st); err != nil {
			t.Fatal(err)
		}
		n.ino = st.Ino
	}
	if len(data) == 0 || len(tr.nodes) == 0 {
		return tr
	}
	q := tr.nodes[int(data[0])%len(tr.nodes)]
	rel, _ := filepath.Rel(base, q.path)
	switch data[0] >> 6 {
	case 1:
		rel = strings.ReplaceAll(rel, "/", "/./")
	case 2:
		rel = "n0/../" + rel
	case 3:
		rel += "/"
	}
	tr.query = base + "/" + rel
	return tr
}

// linkTarget is what the link n points to, as sel says: another node, by
// an absolute or relative path, through it, "..", or nothing.
func linkTarget(tr *fuzzTree, n *fuzzNode, sel byte) string {
	to := tr.nodes[int(sel&0xf)%len(tr.nodes)].path
	rel, _ := filepath.Rel(filepath.Dir(n.path), to)
	switch sel >> 4 % 5 {
	case 0:
		return to
	case 1:
		return rel
	case 2:
		return rel + "/x"
	case 3:
		return ".."
	}
	return "nosuch"
}
