package fakectx_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/internal/fakectx"
	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
	_ "github.com/nsh-dev/nsh/nsexec" // the helper, as in the nsh binary
	"github.com/nsh-dev/nsh/nsfs"
)

var _ command.Context = (*fakectx.Context)(nil)

// The fake behaves as the real context does where builtins can tell: the
// same scenario, the same checks, against both (the real one with root).
func TestFakeActsAsReal(t *testing.T) {
	t.Run("real", func(t *testing.T) {
		nstest.RequireRoot(t)
		c, err := nsctx.New()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		scenario(t, c, nstest.PinDir(t))
	})
	t.Run("fake", func(t *testing.T) {
		c, err := fakectx.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		scenario(t, c, t.TempDir())
	})
}

func scenario(t *testing.T, c command.Context, dir string) {
	status := func() nsctx.Status {
		t.Helper()
		st, err := c.Status()
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	away := func() []nsfs.Kind {
		t.Helper()
		st := status()
		var ks []nsfs.Kind
		for _, k := range nsfs.Kinds() {
			if st.Differs(k) {
				ks = append(ks, k)
			}
		}
		return ks
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	says := func(what string, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", what, err, want)
		}
	}
	if st := status(); st.Depth != 0 || len(away()) != 0 {
		t.Fatalf("new context: depth %d, away %v", st.Depth, away())
	}

	// Working directory and files.
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(c.Chdir(dir))
	must(c.Chdir("sub"))
	if wd, err := c.Getwd(); err != nil || wd != filepath.Join(dir, "sub") {
		t.Errorf("Getwd after Chdir: %q %v", wd, err)
	}
	must(c.Chdir(dir))
	says("Chdir to nothing", c.Chdir(dir+"/none"), dir+"/none: file does not exist")
	must(c.Files(func(fs nsctx.FS) error {
		if !fs.IsDir("sub") || fs.Exists("none") {
			t.Error("Files: relative paths are not the context's")
		}
		return nil
	}))
	if old, err := c.Umask(0o027); err != nil || old < 0 {
		t.Errorf("Umask: %o %v", old, err)
	}
	if m, err := c.Umask(-1); err != nil || m != 0o027 {
		t.Errorf("Umask(-1) after Umask(027): %o %v", m, err)
	}

	// The stack.
	if err := c.Pop(); !errors.Is(err, nsctx.ErrEmptyStack) {
		t.Errorf("Pop of nothing: %v", err)
	}
	if err := c.Drop(); !errors.Is(err, nsctx.ErrEmptyStack) {
		t.Errorf("Drop of nothing: %v", err)
	}
	must(c.UnshareWith([]nsfs.Kind{nsfs.Net, nsfs.UTS}, nsctx.UnshareOptions{}))
	if ks := away(); !slices.Equal(ks, []nsfs.Kind{nsfs.Net, nsfs.UTS}) {
		t.Errorf("after unshare net uts: away %v", ks)
	}
	made := status().Cur
	must(c.Push())
	must(c.GoHome())
	if st := status(); st.Depth != 1 || len(away()) != 0 {
		t.Errorf("push, home: depth %d, away %v", st.Depth, away())
	}
	must(c.Pop())
	if st := status(); st.Depth != 0 || st.Cur != made {
		t.Errorf("pop: depth %d, back where unshare went %v", st.Depth, st.Cur == made)
	}
	restore, err := c.Save()
	must(err)
	must(c.UnshareWith([]nsfs.Kind{nsfs.IPC}, nsctx.UnshareOptions{}))
	must(c.Push())
	must(restore())
	if st := status(); st.Depth != 0 || st.Cur != made {
		t.Errorf("Save's restore: depth %d, back %v", st.Depth, st.Cur == made)
	}

	// Pins and joins.
	pin := filepath.Join(dir, "p", "net")
	p, err := c.Pin(nsfs.Net, pin)
	must(err)
	if p.Path != pin || p.Kind != nsfs.Net || p.Ino != made[nsfs.Net].Ino {
		t.Errorf("Pin: %+v", p)
	}
	if _, err := os.Stat(pin); err != nil {
		t.Errorf("Pin made no file: %v", err)
	}
	_, err = c.Pin(nsfs.Net, pin)
	says("Pin twice", err, "already a pin")
	_, err = c.Pin(nsfs.Net, dir+"/x/")
	says("Pin DIR/", err, "ends in '/'")
	if pins, err := c.Pins(); err != nil || !slices.Contains(pins, p) {
		t.Errorf("Pins lacks %+v: %v %v", p, pins, err)
	}
	must(c.GoHome())
	_, err = c.Pin(nsfs.Mnt, dir+"/m")
	says("Pin of the home mnt", err, "home mount namespace cannot be pinned")
	_, err = c.PinAll(dir + "/all")
	says("PinAll at home", err, "nothing to pin")
	err = c.JoinFile(pin, nsfs.UTS)
	says("JoinFile of the wrong kind", err, pin+": wrong namespace kind: it is a net namespace, not uts")
	if !errors.Is(err, nsfs.ErrWrongKind) {
		t.Errorf("JoinFile of the wrong kind: %v is no ErrWrongKind", err)
	}
	must(c.JoinFile(pin, -1))
	if st := status(); st.Cur[nsfs.Net] != made[nsfs.Net] || st.Differs(nsfs.UTS) {
		t.Error("JoinFile: net not joined, or uts moved")
	}
	must(c.GoHome())
	h, err := c.Open("p/net")
	must(err)
	if h.Kind() != nsfs.Net || h.ID() != made[nsfs.Net] {
		t.Errorf("Open of a pin: %s", h)
	}
	must(c.Join(h))
	h.Close()
	if st := status(); st.Cur[nsfs.Net] != made[nsfs.Net] {
		t.Error("Join of an opened pin: not joined")
	}
	_, err = c.Open("/etc/hostname")
	says("Open of a plain file", err, "/etc/hostname: not a namespace file")
	if !errors.Is(err, nsfs.ErrNotNamespace) {
		t.Errorf("Open of a plain file: %v is no ErrNotNamespace", err)
	}
	if _, err := c.Open("none"); !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "none: ") {
		t.Errorf("Open of nothing: %v", err)
	}

	// Unpinning.
	must(os.WriteFile(dir+"/plain", nil, 0o644))
	if err := c.Unpin(dir + "/plain"); !errors.Is(err, nsctx.ErrNotPin) {
		t.Errorf("Unpin of a plain file: %v", err)
	}
	if _, err := c.UnpinDir(dir + "/sub"); !errors.Is(err, nsctx.ErrNotPin) {
		t.Errorf("UnpinDir of no pins: %v", err)
	}
	if done, err := c.UnpinDir(dir + "/p"); err != nil || !slices.Equal(done, []string{pin}) {
		t.Errorf("UnpinDir: %v %v", done, err)
	}
	if _, err := os.Stat(dir + "/p"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("UnpinDir left the directory: %v", err)
	}
	if err := c.Unpin(pin); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Unpin of what is gone: %v", err)
	}
}
