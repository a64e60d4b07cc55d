package nsctx_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// ownerIno is the inode of the user namespace that owns h's namespace.
func ownerIno(h *nsfs.Handle) (uint64, error) {
	fd, err := unix.IoctlRetInt(h.Fd(), unix.NS_GET_USERNS)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

func TestUserMapRootOwnsLaterNamespaces(t *testing.T) {
	c := newContext(t)
	nstest.RequireTool(t, "ip")
	if err := c.UnshareWith([]nsfs.Kind{nsfs.User}, nsctx.UnshareOptions{User: nsctx.MapRoot()}); err != nil {
		t.Fatal(err)
	}
	if err := c.Unshare([]nsfs.Kind{nsfs.Net, nsfs.UTS}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	if got := run(t, c, "id", "-u"); got != "0\n" {
		t.Errorf("id -u inside: %q", got)
	}
	if got := strings.Fields(run(t, c, "cat", "/proc/self/uid_map")); strings.Join(got, " ") != "0 0 1" {
		t.Errorf("uid_map %q", got)
	}
	run(t, c, "ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	if got := run(t, c, "ip", "-o", "link"); !strings.Contains(got, "v0@v1") {
		t.Errorf("veth missing: %s", got)
	}
	// The net namespace is owned by the new user namespace.
	h, err := c.OpenCurrent(nsfs.Net)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	owner, err := ownerIno(h)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := c.Status()
	if owner != st.Cur[nsfs.User].Ino {
		t.Errorf("net owned by user ns %d, want %d", owner, st.Cur[nsfs.User].Ino)
	}
	// Back home, then the old context again.
	if err := c.Push(); err != nil {
		t.Fatal(err)
	}
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	if got := run(t, c, "ip", "-o", "link"); strings.Contains(got, "v0@v1") {
		t.Errorf("home sees the veth")
	}
	if err := c.Pop(); err != nil {
		t.Fatal(err)
	}
	if got := run(t, c, "ip", "-o", "link"); !strings.Contains(got, "v0@v1") {
		t.Errorf("pop lost the namespace")
	}
}

func TestUserJoinExisting(t *testing.T) {
	c := newContext(t)
	cmd := exec.Command("unshare", "-r", "sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Wait (without a clock) until unshare has made its namespace.
	var h *nsfs.Handle
	for {
		var err error
		if h, err = nsfs.OpenProcess(cmd.Process.Pid, nsfs.User); err != nil {
			t.Fatal(err)
		}
		if !h.Equal(c.Home(nsfs.User)) {
			break
		}
		h.Close()
		exec.Command("true").Run()
	}
	defer h.Close()
	if err := c.Join(h); err != nil {
		t.Fatal(err)
	}
	if got := run(t, c, "id", "-u"); got != "0\n" {
		t.Errorf("id -u in joined user ns: %q", got)
	}
	if got := run(t, c, "readlink", "/proc/self/ns/user"); got != h.String()+"\n" {
		t.Errorf("in %q, want %s", got, h)
	}
}

func TestUserNestedRefused(t *testing.T) {
	c := newContext(t)
	if err := c.UnshareWith([]nsfs.Kind{nsfs.User}, nsctx.UnshareOptions{User: nsctx.MapRoot()}); err != nil {
		t.Fatal(err)
	}
	err := c.UnshareWith([]nsfs.Kind{nsfs.User}, nsctx.UnshareOptions{User: nsctx.MapRoot()})
	if !errors.Is(err, nsctx.ErrUnsupported) {
		t.Fatalf("nested user namespace: %v", err)
	}
}

// Programs started through the helper keep what the caller set on the
// exec.Cmd (process group, extra files), get no other fd, and the caller's
// exec.Cmd looks as it did.
func TestUserStartKeepsCmd(t *testing.T) {
	c := newContext(t)
	if err := c.UnshareWith([]nsfs.Kind{nsfs.User}, nsctx.UnshareOptions{User: nsctx.MapRoot()}); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var out bytes.Buffer
	args := []string{"sh", "-c", `echo pgid $(($(ps -o pgid= -p $$) - $$)); readlink /proc/$$/fd/*; true`}
	cmd := &exec.Cmd{Path: "sh", Args: args, Stdout: &out, ExtraFiles: []*os.File{w},
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true}}
	if err := c.Start(cmd); err != nil {
		t.Fatal(err)
	}
	if cmd.Path != "sh" || len(cmd.Args) != 3 || cmd.Env != nil || len(cmd.ExtraFiles) != 1 {
		t.Errorf("Start changed the exec.Cmd: %q %q env=%v extra=%d", cmd.Path, cmd.Args, cmd.Env, len(cmd.ExtraFiles))
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.HasPrefix(got, "pgid 0\n") {
		t.Errorf("got %q, want its own process group", got)
	}
	wfd, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(w.Fd())))
	if !strings.Contains(got, wfd) {
		t.Errorf("the extra file %s is missing: %q", wfd, got)
	}
	for _, leak := range []string{"socket:", "user:[", "mnt:[", "net:["} {
		if strings.Contains(got, leak) {
			t.Errorf("a helper fd (%s) reached the program: %q", leak, got)
		}
	}
}

// A program started through the helper gets the environment it was given,
// none of the helper's own instructions.
func TestUserStartLeavesNoHelperVariables(t *testing.T) {
	c := newContext(t)
	if err := c.UnshareWith([]nsfs.Kind{nsfs.User, nsfs.Mnt}, nsctx.UnshareOptions{User: nsctx.MapRoot()}); err != nil {
		t.Fatal(err)
	}
	env := run(t, c, "env")
	if !strings.Contains(env, "PATH=") {
		t.Fatalf("env printed no PATH: %q", env)
	}
	for _, l := range strings.Split(env, "\n") {
		if strings.HasPrefix(l, "_NSH_") {
			t.Errorf("the program got %s", l)
		}
	}
}
