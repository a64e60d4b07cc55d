package nsctx

import (
	"os/exec"
	"testing"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// The context's umask is its thread's: programs get it, the process's
// other threads do not, and copies of the context start with it.
func TestUmask(t *testing.T) {
	c := newCtx(t)
	umask := func(c *Context) string { return run(t, c, "sh", "-c", "umask") }
	was := unix.Umask(0o022)
	defer unix.Umask(was)
	if _, err := c.Umask(0o077); err != nil {
		t.Fatal(err)
	}
	if got := umask(c); got != "0077" {
		t.Errorf("program in the context: umask %s, want 0077", got)
	}
	if m := unix.Umask(0o022); m != 0o022 {
		t.Errorf("the process's umask became %o", m)
	}
	if m, _ := c.Umask(-1); m != 0o077 {
		t.Errorf("Umask(-1) = %o", m)
	}
	f, err := c.Fork()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := umask(f); got != "0077" {
		t.Errorf("fork: umask %s, want 0077", got)
	}
	s, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c.Umask(0o027)
	cmd := exec.Command("sh", "-c", "umask")
	out, _ := cmd.StdoutPipe()
	if err := c.StartIn(s, cmd); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 16)
	n, _ := out.Read(b)
	cmd.Wait()
	if got := string(b[:n]); got != "0077\n" {
		t.Errorf("program in a snapshot: umask %q, want 0077", got)
	}
	if got := umask(c); got != "0027" {
		t.Errorf("after StartIn: umask %s, want 0027", got)
	}
	// Through the helper (a user namespace the thread cannot enter).
	if err := c.Unshare([]nsfs.Kind{nsfs.User}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	if got := umask(c); got != "0027" {
		t.Errorf("in a user namespace: umask %s, want 0027", got)
	}
}
