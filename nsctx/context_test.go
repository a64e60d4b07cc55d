package nsctx

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsfs"
)

func newCtx(t *testing.T) *Context {
	t.Helper()
	nstest.RequireRoot(t)
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// run starts argv in the context and returns its standard output.
func run(t *testing.T, c *Context, argv ...string) string {
	t.Helper()
	return strings.TrimSpace(nstest.Output(t, c.Start, argv...))
}

func readlinkNS(t *testing.T, c *Context, k nsfs.Kind) string {
	t.Helper()
	return run(t, c, "readlink", "/proc/self/ns/"+k.String())
}

func TestHomeIsOwnThread(t *testing.T) {
	c := newCtx(t)
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range nsfs.Kinds() {
		if st.Differs(k) {
			t.Errorf("%s differs from home at start", k)
		}
		id, err := nsfs.StatID("/proc/self/ns/" + k.String())
		if err != nil {
			t.Fatal(err)
		}
		if id != st.Home[k] {
			t.Errorf("%s: home %v, process %v", k, st.Home[k], id)
		}
	}
}

func TestUnshareAndHome(t *testing.T) {
	c := newCtx(t)
	homeNet := readlinkNS(t, c, nsfs.Net)
	if err := c.Unshare([]nsfs.Kind{nsfs.Net, nsfs.UTS, nsfs.IPC}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	st, _ := c.Status()
	for _, k := range []nsfs.Kind{nsfs.Net, nsfs.UTS, nsfs.IPC} {
		if !st.Differs(k) {
			t.Errorf("%s still home after unshare", k)
		}
	}
	if st.Differs(nsfs.Mnt) || st.Differs(nsfs.Cgroup) {
		t.Error("unshare changed kinds it was not asked for")
	}
	got := readlinkNS(t, c, nsfs.Net)
	if got == homeNet || got != fmt.Sprintf("net:[%d]", st.Cur[nsfs.Net].Ino) {
		t.Errorf("child in %s; context says %v, home %s", got, st.Cur[nsfs.Net], homeNet)
	}
	// Only lo in a new network namespace: cross-check with ip.
	nstest.RequireTool(t, "ip")
	if links := run(t, c, "ip", "-o", "link"); strings.Count(links, "\n") != 0 || !strings.Contains(links, "lo:") {
		t.Errorf("ip -o link in new netns:\n%s", links)
	}
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	if got := readlinkNS(t, c, nsfs.Net); got != homeNet {
		t.Errorf("after home: %s, want %s", got, homeNet)
	}
}

// A change of several kinds that fails half way leaves the context as it
// was: here uts is entered first, then entering mnt fails.
func TestJoinRollsBack(t *testing.T) {
	c := newCtx(t)
	other := holder(t, "--uts")
	uts, err := nsfs.OpenProcess(other, nsfs.UTS)
	if err != nil {
		t.Fatal(err)
	}
	defer uts.Close()
	// A handle of another mount namespace, closed: setns fails on it.
	bad, err := nsfs.OpenProcess(holder(t, "--mount"), nsfs.Mnt)
	if err != nil {
		t.Fatal(err)
	}
	bad.Close()
	before, _ := c.Status()
	err = c.Join(uts, bad)
	if err == nil {
		t.Fatal("join with a broken handle succeeded")
	}
	after, _ := c.Status()
	if after.Cur != before.Cur {
		t.Errorf("status changed: %v -> %v", before.Cur, after.Cur)
	}
	if got, home := readlinkNS(t, c, nsfs.UTS), c.Home(nsfs.UTS).String(); got != home {
		t.Errorf("child uts %s, want home %s", got, home)
	}
	// And the good handle alone works.
	if err := c.Join(uts); err != nil {
		t.Fatal(err)
	}
	if got := readlinkNS(t, c, nsfs.UTS); got != uts.String() {
		t.Errorf("child uts %s, want %s", got, uts)
	}
}

// holder starts `unshare FLAGS sleep` and returns its pid; it is killed when
// the test ends.
func holder(t *testing.T, flags ...string) int {
	t.Helper()
	nstest.RequireTool(t, "unshare")
	args := append(flags, "sleep", "600")
	cmd := exec.Command("unshare", args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// unshare execs sleep once the namespace exists.
	for i := 0; i < 2000; i++ {
		if b, _ := os.ReadFile("/proc/" + itoa(cmd.Process.Pid) + "/comm"); strings.TrimSpace(string(b)) == "sleep" {
			return cmd.Process.Pid
		}
		sleepBriefly()
	}
	t.Fatal("holder did not start")
	return 0
}

func TestNoFdLeaks(t *testing.T) {
	c := newCtx(t)
	if err := c.Unshare([]nsfs.Kind{nsfs.Net}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	if err := c.Push(); err != nil { // the stack holds fds too
		t.Fatal(err)
	}
	// Compare with what a program started without nsh gets: fds the
	// test process itself inherited pass through both ways.
	base, err := exec.Command("ls", "/proc/self/fd").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := run(t, c, "ls", "/proc/self/fd"); got != strings.TrimSpace(string(base)) {
		t.Errorf("fds in spawned program: %q, without nsh: %q", got, base)
	}
	links := run(t, c, "ls", "-l", "/proc/self/fd")
	for _, k := range nsfs.KindNames() {
		if strings.Contains(links, k+":[") {
			t.Errorf("a %s namespace fd reached the program:\n%s", k, links)
		}
	}
}

// No goroutine but the context's ever runs in a changed namespace, while
// the context hops back and forth 10,000 times.
func TestOtherGoroutinesStayHome(t *testing.T) {
	c := newCtx(t)
	other := holder(t, "--net", "--uts")
	net, err := nsfs.OpenProcess(other, nsfs.Net)
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	uts, err := nsfs.OpenProcess(other, nsfs.UTS)
	if err != nil {
		t.Fatal(err)
	}
	defer uts.Close()
	home := [2]nsfs.ID{c.Home(nsfs.Net).ID(), c.Home(nsfs.UTS).ID()}

	var stop atomic.Bool
	defer stop.Store(true) // also when a hop fails
	var bad atomic.Int64
	var checks atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				n, err1 := nsfs.StatID("/proc/thread-self/ns/net")
				u, err2 := nsfs.StatID("/proc/thread-self/ns/uts")
				if err1 != nil || err2 != nil || n != home[0] || u != home[1] {
					bad.Add(1)
				}
				checks.Add(1)
			}
		}()
	}
	// Hop for a while, and on a loaded machine for at least minRounds
	// hops and as many checks, however long that takes.
	const minRounds = 500
	deadline := time.Now().Add(2 * time.Second)
	rounds := 0
	for ; rounds < minRounds || checks.Load() < minRounds || time.Now().Before(deadline); rounds++ {
		if err := c.Join(net, uts); err != nil {
			t.Fatal(err)
		}
		if err := c.GoHome(); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d hops there and back, %d checks", rounds, checks.Load())
	if bad.Load() != 0 {
		t.Errorf("%d of %d checks saw a changed namespace outside the context", bad.Load(), checks.Load())
	}
	if checks.Load() == 0 {
		t.Error("no checks ran")
	}
}

func TestPushPop(t *testing.T) {
	c := newCtx(t)
	if err := c.Pop(); !errors.Is(err, ErrEmptyStack) {
		t.Errorf("pop on empty stack: %v", err)
	}
	if err := c.Unshare([]nsfs.Kind{nsfs.Net, nsfs.Mnt}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	if err := c.Chdir("/tmp"); err != nil {
		t.Fatal(err)
	}
	saved := readlinkNS(t, c, nsfs.Net)
	if err := c.Push(); err != nil {
		t.Fatal(err)
	}
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Status(); st.Depth != 1 || st.Differs(nsfs.Net) {
		t.Errorf("after push+home: depth %d, net differs %v", st.Depth, st.Differs(nsfs.Net))
	}
	if err := c.Pop(); err != nil {
		t.Fatal(err)
	}
	if got := readlinkNS(t, c, nsfs.Net); got != saved {
		t.Errorf("after pop in %s, want %s", got, saved)
	}
	if wd, _ := c.Getwd(); wd != "/tmp" {
		t.Errorf("pop restored cwd %q, want /tmp", wd)
	}
	if st, _ := c.Status(); st.Depth != 0 {
		t.Errorf("depth %d after pop", st.Depth)
	}
}

// Save and restore: whatever happens in between (hops, cd, pushes) is
// undone, as a command substitution needs.
func TestSaveRestore(t *testing.T) {
	c := newCtx(t)
	if err := c.Unshare([]nsfs.Kind{nsfs.Net}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	if err := c.Chdir("/tmp"); err != nil {
		t.Fatal(err)
	}
	if err := c.Push(); err != nil {
		t.Fatal(err)
	}
	saved := readlinkNS(t, c, nsfs.Net)
	restore, err := c.Save()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Pop(); err != nil { // the entry pushed before Save
		t.Fatal(err)
	}
	if err := c.Push(); err != nil {
		t.Fatal(err)
	}
	if err := c.Push(); err != nil {
		t.Fatal(err)
	}
	if err := c.Unshare([]nsfs.Kind{nsfs.Net, nsfs.UTS}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	if err := c.Chdir("/"); err != nil {
		t.Fatal(err)
	}
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	if got := readlinkNS(t, c, nsfs.Net); got != saved {
		t.Errorf("net after restore %s, want %s", got, saved)
	}
	st, _ := c.Status()
	if st.Differs(nsfs.UTS) || st.Depth != 1 {
		t.Errorf("after restore: uts differs %v, depth %d (want false, 1)", st.Differs(nsfs.UTS), st.Depth)
	}
	if wd, _ := c.Getwd(); wd != "/tmp" {
		t.Errorf("cwd after restore %q, want /tmp", wd)
	}
	// The entry pushed before Save is back, whole.
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	if err := c.Pop(); err != nil {
		t.Fatal(err)
	}
	if got := readlinkNS(t, c, nsfs.Net); got != saved {
		t.Errorf("net after pop %s, want %s", got, saved)
	}
}

// The context's working directory is its own, not the process's.
func TestChdirIsPrivate(t *testing.T) {
	c := newCtx(t)
	wd, _ := os.Getwd()
	dir := t.TempDir()
	if err := c.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	if got := run(t, c, "pwd"); got != dir {
		t.Errorf("program started in %s, want %s", got, dir)
	}
	if now, _ := os.Getwd(); now != wd {
		t.Errorf("process cwd changed to %s", now)
	}
}

// A new time namespace is the helper's (setns(time) is refused to the
// thread): programs get it, the thread keeps home's, and the context can
// be saved, left and re-entered like any other.
func TestTimeHome(t *testing.T) {
	c := newCtx(t)
	home := readlinkNS(t, c, nsfs.Time)
	thread := func() string {
		var s string
		c.Do(func() (err error) { s, err = os.Readlink("/proc/thread-self/ns/time_for_children"); return })
		return s
	}
	if err := c.Unshare([]nsfs.Kind{nsfs.Time, nsfs.Net}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	inTime := readlinkNS(t, c, nsfs.Time)
	if inTime == home {
		t.Fatal("child not in a new time namespace")
	}
	if got := thread(); got != home {
		t.Errorf("the thread's time_for_children moved to %s", got)
	}
	if err := c.Push(); err != nil {
		t.Fatalf("push with a new time namespace: %v", err)
	}
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	if got := readlinkNS(t, c, nsfs.Time); got != home {
		t.Errorf("after home, time %s, want %s", got, home)
	}
	if st, _ := c.Status(); st.Differs(nsfs.Net) || st.Differs(nsfs.Time) {
		t.Error("not home after home")
	}
	if err := c.Pop(); err != nil {
		t.Fatal(err)
	}
	if got := readlinkNS(t, c, nsfs.Time); got != inTime {
		t.Errorf("after pop, time %s, want %s", got, inTime)
	}
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := nsfs.Open("/etc/hostname"); !errors.Is(err, nsfs.ErrNotNamespace) || !strings.Contains(err.Error(), "/etc/hostname") {
		t.Errorf("regular file: %v", err)
	}
	if _, err := nsfs.Open("/nonexistent/net"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	h, err := nsfs.Open("/proc/self/ns/uts")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if h.Kind() != nsfs.UTS || !strings.HasPrefix(h.String(), "uts:[") {
		t.Errorf("kind %s, string %s", h.Kind(), h)
	}
}

func TestParseKind(t *testing.T) {
	for _, n := range nsfs.KindNames() {
		if k, err := nsfs.ParseKind(n); err != nil || k.String() != n {
			t.Errorf("%s: %v %v", n, k, err)
		}
	}
	_, err := nsfs.ParseKind("nett")
	if err == nil || !strings.Contains(err.Error(), "cgroup ipc mnt net pid time user uts") {
		t.Errorf("unknown kind error should list the valid ones: %v", err)
	}
}

func TestStartErrors(t *testing.T) {
	c := newCtx(t)
	cmd := &exec.Cmd{Path: "no-such-program-nsh", Args: []string{"x"}}
	if err := c.Start(cmd); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing program: %v", err)
	}
	cmd = &exec.Cmd{Path: "/etc/hostname", Args: []string{"x"}}
	if err := c.Start(cmd); !errors.Is(err, ErrNotExecutable) {
		t.Errorf("not executable: %v", err)
	}
}

// Status is answered from a cache while nothing was done on the thread,
// and is fresh after any change.
func TestStatusCache(t *testing.T) {
	c := newCtx(t)
	a, _ := c.Status()
	b, _ := c.Status()
	if a != b {
		t.Fatal("two looks without a change differ")
	}
	if err := c.Unshare([]nsfs.Kind{nsfs.Net}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Status(); !st.Differs(nsfs.Net) {
		t.Error("status not fresh after unshare")
	}
	dir := t.TempDir()
	if err := c.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Status(); st.Cwd != dir {
		t.Errorf("status cwd %q after cd %q", st.Cwd, dir)
	}
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Status(); st.Differs(nsfs.Net) {
		t.Error("status not fresh after home")
	}
}

// WdGen stays while only other kinds than mnt move (so $PWD needs no
// getcwd after such a hop) and moves with every change of directory or
// mount namespace, whichever way it comes.
func TestWdGen(t *testing.T) {
	c := newCtx(t)
	start, err := c.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Unshare([]nsfs.Kind{nsfs.Net}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	netns, err := c.Open("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	defer netns.Close()
	g := c.WdGen()
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	if err := c.Join(netns); err != nil {
		t.Fatal(err)
	}
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	if c.WdGen() != g {
		t.Errorf("WdGen moved over net-only hops: %d, was %d", c.WdGen(), g)
	}
	moved := func(what string, fn func() error, want string) {
		t.Helper()
		g := c.WdGen()
		if err := fn(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if c.WdGen() == g {
			t.Errorf("%s: WdGen did not move", what)
		}
		if wd, _ := c.Getwd(); wd != want {
			t.Errorf("%s: Getwd %q, want %q", what, wd, want)
		}
	}
	moved("chdir", func() error { return c.Chdir("/") }, "/")
	if g := c.WdGen(); c.Push() != nil || c.WdGen() != g {
		t.Error("push moved WdGen, or failed")
	}
	moved("unshare mnt", func() error { return c.Unshare([]nsfs.Kind{nsfs.Mnt}, PropPrivate) }, "/")
	moved("chdir in mnt", func() error { return c.Chdir("/tmp") }, "/tmp")
	moved("home", c.GoHome, start)
	moved("pop", c.Pop, "/")
}
