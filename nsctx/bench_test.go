package nsctx

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsfs"
)

// BenchmarkHop measures one hop: join a namespace, then go home.
func BenchmarkHop(b *testing.B) {
	c, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	cmd := exec.Command("unshare", "--net", "sleep", "600")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var h *nsfs.Handle
	for i := 0; i < 1000; i++ {
		sleepBriefly()
		if h, err = nsfs.OpenProcess(cmd.Process.Pid, nsfs.Net); err == nil && h.ID() != c.Home(nsfs.Net).ID() {
			break
		}
	}
	defer h.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Join(h); err != nil {
			b.Fatal(err)
		}
		if err := c.GoHome(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDo measures handing an empty piece of work to the context thread.
func BenchmarkDo(b *testing.B) {
	c, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < b.N; i++ {
		c.Do(func() error { return nil })
	}
}

// BenchmarkPinUnpin measures pin and unpin of one namespace five
// directories down: the walk, the mount and unmount by fd, the file.
func BenchmarkPinUnpin(b *testing.B) {
	nstest.RequireRoot(b)
	c, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if err := c.Unshare([]nsfs.Kind{nsfs.Net}, PropPrivate); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(nstest.PinDir(b), "a/b/c/d/net")
	for b.Loop() {
		if _, err := c.Pin(nsfs.Net, path); err != nil {
			b.Fatal(err)
		}
		if err := c.Unpin(path); err != nil {
			b.Fatal(err)
		}
	}
}
