package repl

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
	"golang.org/x/sys/unix"
)

func touch(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGlobHere(t *testing.T) {
	// A directory whose own name has pattern characters: the prefix is
	// escaped, so it matches only itself.
	dir := filepath.Join(t.TempDir(), "we[ir]d*")
	touch(t, dir+"/", dir+"/b.txt", dir+"/a.txt", dir+"/.hidden.txt", dir+"/c.log",
		dir+"/sub/", dir+"/sub/x.txt", dir+"/sub2/", dir+"/q?", dir+"/qq",
		dir+"/-.txt", dir+"/].txt", dir+"/[xa", dir+"/d/", dir+"/d*/", dir+"/d/f", dir+"/d*/f")
	d := escapeMeta(dir)
	for _, tc := range []struct {
		pattern string
		want    []string // relative to dir; nil: no match
	}{
		{"*.txt", []string{"-.txt", "].txt", "a.txt", "b.txt"}}, // sorted, no dot files
		{".*.txt", []string{".hidden.txt"}},
		{"?.log", []string{"c.log"}},
		{"[ab].txt", []string{"a.txt", "b.txt"}},
		{"[!a].txt", []string{"-.txt", "].txt", "b.txt"}},
		{"*/x.txt", []string{"sub/x.txt"}},
		{"sub*/", []string{"sub/", "sub2/"}},
		{"s*/*", []string{"sub/x.txt"}},
		{`q\?`, nil}, // no pattern left: not globbed at all (see hasMeta)
		{`q?`, []string{"q?", "qq"}},
		{"*.none", nil},
		{"nodir/*", nil},
		{"[", nil},                               // a lone [ is a plain character: no file of that name
		{"[x*", []string{"[xa"}},                 // so is one that nothing closes
		{"[a-].txt", []string{"-.txt", "a.txt"}}, // - last is plain
		{"[-b].txt", []string{"-.txt", "b.txt"}}, // so is - first
		{"[]a].txt", []string{"].txt", "a.txt"}}, // ] first is plain
		{"[!]a-].txt", []string{"b.txt"}},
		{"[[:alpha:]].txt", []string{"a.txt", "b.txt"}},
		{"[[:digit:]].txt", nil},
		{`[\!a].txt`, []string{"a.txt"}},  // escaped: only itself
		{"d*/f", []string{"d*/f", "d/f"}}, // whole paths sorted, as sh
		{"d//f*", []string{"d//f"}},       // slashes kept
	} {
		if !hasMeta(tc.pattern) {
			if tc.want != nil {
				t.Errorf("%q: no pattern, but matches wanted", tc.pattern)
			}
			continue
		}
		got := globHere(d+"/"+tc.pattern, nsctx.HereFS)
		var want []string
		for _, w := range tc.want {
			want = append(want, dir+"/"+w)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %q, want %q", tc.pattern, got, want)
		}
	}
}

// Patterns expand in the context: relative to its working directory, and
// in its mount namespace.
func TestGlobInContext(t *testing.T) {
	nstest.RequireRoot(t)
	ctx, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	dir := t.TempDir()
	touch(t, dir+"/one.txt", dir+"/two.txt", dir+"/mnt/")
	if err := ctx.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	sh := NewShell(ctx, nil, io.Discard, io.Discard, nil)
	sh.SetVar("P", "*.txt", false)
	expand := func(line string) []string {
		t.Helper()
		l, err := Parse(line)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sh.expand(l[0].Pipes[0].Cmds[0].Words, nil)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"ls *.txt", []string{"ls", "one.txt", "two.txt"}},
		{"ls '*.txt' \\*.txt $P \"*\".txt", []string{"ls", "*.txt", "*.txt", "*.txt", "*.txt"}},
		{"ls *.none", []string{"ls", "*.none"}},
		{`ls ["!"o]*.txt ["-"]*`, []string{"ls", "one.txt", "[-]*"}}, // quoted: only itself
		{`ls [\!o]*.txt`, []string{"ls", "one.txt"}},                 // escaped: not a negation
		{"ls " + escapeMeta(dir) + "/o*", []string{"ls", dir + "/one.txt"}},
	} {
		if got := expand(tc.line); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.line, got, tc.want)
		}
	}

	// A file that only the context's mount namespace has.
	if err := ctx.Unshare([]nsctx.Kind{nsctx.Mnt}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	err = ctx.Do(func() error {
		if err := unix.Mount("tmpfs", dir+"/mnt", "tmpfs", 0, ""); err != nil {
			return err
		}
		return os.WriteFile(dir+"/mnt/inside", nil, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := expand("ls mnt/*"); !reflect.DeepEqual(got, []string{"ls", "mnt/inside"}) {
		t.Errorf("in the context's mount namespace: got %q", got)
	}
	if got := globHere(escapeMeta(dir)+"/mnt/*", nsctx.HereFS); got != nil {
		t.Errorf("the host sees %q in the context's tmpfs", got)
	}
}
