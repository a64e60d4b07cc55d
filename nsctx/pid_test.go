package nsctx_test

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsexec"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// The helper, as in the nsh binary (cmd/nsh/main.go).
func init() {
	nsctx.UseHelper(nsexec.StartNofile())
	nsctx.UseSpawn(nsexec.Spawn) // jobs fork as in nsh
}

// newContext starts a context that is closed (its inits stopped) when the
// test ends.
func newContext(t *testing.T) *nsctx.Context {
	t.Helper()
	nstest.RequireRoot(t)
	c, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// run spawns argv in the context and returns its stdout.
func run(t *testing.T, c *nsctx.Context, argv ...string) string {
	t.Helper()
	return nstest.Output(t, c.Start, argv...)
}

// initPID finds the init nsh started: a child of this process named nsh-init.
func initPID(t *testing.T) int {
	t.Helper()
	out, err := exec.Command("pgrep", "-x", "-P", strconv.Itoa(os.Getpid()), "nsh-init").Output()
	if err != nil {
		t.Fatalf("finding init: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("finding init: %q", out)
	}
	return pid
}

func TestPIDInitKeepsNamespace(t *testing.T) {
	c := newContext(t)
	if err := c.UnshareWith([]nsfs.Kind{nsfs.PID}, nsctx.UnshareOptions{MountProc: true}); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	want := "pid:[" + strconv.FormatUint(st.Cur[nsfs.PID].Ino, 10) + "]\n"
	for i := 0; i < 2; i++ {
		if got := run(t, c, "readlink", "/proc/self/ns/pid"); got != want {
			t.Fatalf("spawn %d in %q, want %q", i, got, want)
		}
	}
	if got := run(t, c, "ps", "-e", "-o", "pid=,comm="); strings.Join(strings.Fields(got), " ") != "1 nsh-init 4 ps" {
		t.Errorf("ps under --mount-proc lists %q, want only init and ps", got)
	}
}

func TestPIDInitKilledFromOutside(t *testing.T) {
	c := newContext(t)
	if err := c.Unshare([]nsfs.Kind{nsfs.PID}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	pid := initPID(t)
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// While init is still dying the kernel may let one more fork in: wait
	// until it is a zombie (or reaped).
	for {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(b), ") Z ") {
			break
		}
		exec.Command("true").Run()
	}
	err := c.Start(exec.Command("true"))
	if !errors.Is(err, nsctx.ErrPIDNoInit) || !strings.Contains(err.Error(), "killed by signal 9") {
		t.Fatalf("spawn after init was killed: %v, want ErrPIDNoInit saying how", err)
	}
}

func TestPIDCloseEndsInit(t *testing.T) {
	nstest.RequireRoot(t)
	c, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Unshare([]nsfs.Kind{nsfs.PID}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	pid := initPID(t)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Kill(pid, 0); !errors.Is(err, unix.ESRCH) {
		t.Fatalf("init %d after Close: %v, want it gone", pid, err)
	}
}
