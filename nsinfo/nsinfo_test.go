package nsinfo

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// start runs a long sleep (via the given wrapper, e.g. unshare --net) and
// kills it when the test ends.
func start(t *testing.T, argv ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(argv[0], append(argv[1:], "sleep", "600")...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// unshare and nsenter exec sleep in place: wait until they have.
	for i := 0; ; i++ {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid))
		if strings.TrimSpace(string(b)) == "sleep" {
			return cmd
		}
		if i > 5000 {
			t.Fatalf("%v did not start sleep", argv)
		}
		unix.Nanosleep(&unix.Timespec{Nsec: 1e6}, nil)
	}
}

func nsID(t *testing.T, pid int, k nsfs.Kind) nsfs.ID {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d/ns/%s", pid, k), &st); err != nil {
		t.Fatal(err)
	}
	return nsfs.ID{Dev: st.Dev, Ino: st.Ino}
}

func scan(t *testing.T, kinds ...nsfs.Kind) *Snapshot {
	t.Helper()
	s, err := Scan(Options{Kinds: kinds})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// netnsAdd makes an ip netns namespace and deletes it when the test ends.
func netnsAdd(t *testing.T, name string) string {
	t.Helper()
	nstest.RequireTool(t, "ip")
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	return filepath.Join(nsfs.NetnsDir, name)
}

func uniq(prefix string) string { return fmt.Sprintf("%s-%d", prefix, os.Getpid()) }

// Against util-linux lsns -J: the namespaces this test made have the same
// kinds and process counts. Only ours are compared: other tests make and
// drop namespaces on this machine meanwhile.
func TestMatchesLsns(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireTool(t, "lsns")
	a := start(t, "unshare", "--net", "--uts", "--ipc")
	pa := a.Process.Pid
	ns := func(k string) string { return fmt.Sprintf("--%s=/proc/%d/ns/%s", k, pa, k) }
	start(t, "nsenter", ns("net"), ns("uts"))
	start(t, "nsenter", ns("net"))
	b := start(t, "unshare", "--net")

	out, err := exec.Command("lsns", "-J", "-o", "NS,TYPE,NPROCS,PID").Output()
	if err != nil {
		t.Fatal(err)
	}
	var ls struct {
		Namespaces []struct {
			NS     uint64 `json:"ns"`
			Type   string `json:"type"`
			NProcs int    `json:"nprocs"`
			PID    int    `json:"pid"`
		} `json:"namespaces"`
	}
	if err := json.Unmarshal(out, &ls); err != nil {
		t.Fatal(err)
	}
	s := scan(t)
	want := map[nsfs.ID]int{
		nsID(t, pa, nsfs.Net): 3, nsID(t, pa, nsfs.UTS): 2, nsID(t, pa, nsfs.IPC): 1,
		nsID(t, b.Process.Pid, nsfs.Net): 1,
	}
	for id, n := range want {
		got := s.Lookup(id)
		if got == nil {
			t.Fatalf("namespace %d not found", id.Ino)
		}
		found := false
		for _, l := range ls.Namespaces {
			if l.NS != id.Ino {
				continue
			}
			found = true
			if l.Type != got.Kind.String() || l.NProcs != len(got.PIDs) || l.PID != got.PID {
				t.Errorf("lsns says %s %d nprocs %d pid %d; nsinfo says %s nprocs %d pid %d",
					l.Type, l.NS, l.NProcs, l.PID, got.Kind, len(got.PIDs), got.PID)
			}
		}
		if !found {
			t.Errorf("lsns does not show %d", id.Ino)
		}
		if len(got.PIDs) != n {
			t.Errorf("%s %d: %d processes, want %d", got.Kind, id.Ino, len(got.PIDs), n)
		}
	}
	// The host's namespaces both show agree in kind.
	for _, l := range ls.Namespaces {
		for _, ns := range s.Namespaces {
			if ns.ID.Ino == l.NS && ns.Kind.String() != l.Type {
				t.Errorf("%d: lsns kind %s, nsinfo %s", l.NS, l.Type, ns.Kind)
			}
		}
	}
}

// Namespaces held only by a pin (ip netns add) or only by an open fd are
// found, with their ip netns name, and nothing counts as a process in them.
func TestPinsNamesAndFds(t *testing.T) {
	nstest.RequireRoot(t)
	name := uniq("nshtest-pin")
	path := netnsAdd(t, name)
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	pinned := nsfs.ID{Dev: st.Dev, Ino: st.Ino}

	// A namespace only an open fd of a sleeping process holds.
	other := netnsAdd(t, uniq("nshtest-fd"))
	f, err := os.Open(other)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "600")
	cmd.ExtraFiles = []*os.File{f} // fd 3
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	held := nsfs.ID{Dev: st.Dev, Ino: st.Ino}
	f.Close()
	if out, err := exec.Command("ip", "netns", "del", filepath.Base(other)).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}

	s := scan(t, nsfs.Net)
	p := s.Lookup(pinned)
	if p == nil || len(p.PIDs) != 0 || len(p.Names) != 1 || p.Names[0] != name || p.Pins[0].HostPath() != path {
		t.Fatalf("pinned namespace: %+v", p)
	}
	if nsfs.NetnsName(pinned) != name {
		t.Errorf("NetnsName = %q, want %q", nsfs.NetnsName(pinned), name)
	}
	listed := false
	for _, n := range nsfs.NetnsList() {
		listed = listed || n == name
	}
	if !listed {
		t.Errorf("NetnsList %v lacks %s", nsfs.NetnsList(), name)
	}
	h := s.Lookup(held)
	if h == nil || len(h.PIDs) != 0 || len(h.Pins) != 0 {
		t.Fatalf("fd-held namespace: %+v", h)
	}
	wantFd := Fd{PID: cmd.Process.Pid, Fd: 3}
	if len(h.Fds) != 1 || h.Fds[0] != wantFd {
		t.Errorf("fds %v, want %v", h.Fds, wantFd)
	}
	if h.Owner.IsZero() {
		t.Error("no owner found through the fd")
	}
}

// A namespace only one thread is in (the nsh context thread) is found and
// counts the process once.
func TestThreadOnly(t *testing.T) {
	nstest.RequireRoot(t)
	ctx, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	if err := ctx.Unshare([]nsfs.Kind{nsfs.Net}, 0); err != nil {
		t.Fatal(err)
	}
	st, err := ctx.Status()
	if err != nil {
		t.Fatal(err)
	}
	s := scan(t, nsfs.Net)
	ns := s.Lookup(st.Cur[nsfs.Net])
	if ns == nil || len(ns.PIDs) != 1 || ns.PIDs[0] != os.Getpid() {
		t.Fatalf("context's netns: %+v", ns)
	}
	home := s.Lookup(st.Home[nsfs.Net])
	n := 0
	for _, p := range home.PIDs {
		if p == os.Getpid() {
			n++
		}
	}
	if n != 1 {
		t.Errorf("this process counted %d times in the home netns", n)
	}
}

// A time namespace that only a thread's time_for_children points at (the
// context thread right after unshare time, before any program) is listed,
// held by that thread, and no process is counted in it.
func TestForChildrenOnly(t *testing.T) {
	nstest.RequireRoot(t)
	// A thread of this process unshares time: only its time_for_children
	// link holds the new namespace. The goroutine never unlocks, so its
	// thread ends with it.
	tids := make(chan int)
	done := make(chan struct{})
	defer close(done)
	var unshare func()
	unshare = func() {
		runtime.LockOSThread()
		if unix.Gettid() == unix.Getpid() {
			// Not on the main thread, which Go never ends: hand over
			// while holding it, as nsctx does.
			go unshare()
			<-done
			runtime.UnlockOSThread() // nothing changed here
			return
		}
		if err := unix.Unshare(unix.CLONE_NEWTIME); err != nil {
			t.Error(err)
			close(tids)
			return
		}
		tids <- unix.Gettid()
		<-done
	}
	go unshare()
	tid, ok := <-tids
	if !ok {
		return
	}
	link := fmt.Sprintf("/proc/self/task/%d/ns/time_for_children", tid)
	var st unix.Stat_t
	if err := unix.Stat(link, &st); err != nil {
		t.Fatal(err)
	}
	s := scan(t, nsfs.Time)
	ns := s.Lookup(nsfs.ID{Dev: st.Dev, Ino: st.Ino})
	if ns == nil {
		t.Fatal("the thread's new time namespace is not listed")
	}
	if len(ns.PIDs) != 0 || len(ns.ForChildren) != 1 || ns.ForChildren[0].PID != os.Getpid() || ns.ForChildren[0].TID != tid {
		t.Fatalf("held by %+v, pids %v; want this process's thread %d only", ns.ForChildren, ns.PIDs, tid)
	}
	if ns.Owner.IsZero() {
		t.Error("no owner: the namespace was not opened through the thread's link")
	}
	if b, err := os.Readlink(ns.ForChildren[0].Path()); err != nil || !strings.Contains(b, fmt.Sprint(st.Ino)) {
		t.Errorf("%s: %q, %v", ns.ForChildren[0].Path(), b, err)
	}
}

// A process that exits, or is a zombie, while it is read is left out as a
// whole; an unreadable one is reported.
func TestVanishing(t *testing.T) {
	nstest.RequireRoot(t)
	var want [nsfs.NumKinds]bool
	for i := range want {
		want[i] = true
	}
	dev, err := homeNsfsDev()
	if err != nil {
		t.Fatal(err)
	}
	r := newReader(want, true, dev, nil)

	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if _, st := r.read(pid); st != procOK {
		t.Fatalf("live process: state %d", st)
	}
	cmd.Process.Kill()
	// Not reaped yet: a zombie, in no namespace.
	for i := 0; ; i++ {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if strings.Contains(string(b), ") Z ") {
			break
		}
		if i > 5000 {
			t.Fatal("no zombie")
		}
		unix.Nanosleep(&unix.Timespec{Nsec: 1e6}, nil)
	}
	if _, st := r.read(pid); st != procGone {
		t.Errorf("zombie: state %d, want gone", st)
	}
	cmd.Wait()
	if _, st := r.read(pid); st != procGone {
		t.Errorf("exited: state %d, want gone", st)
	}

	// /proc/1 is unreadable in some sandboxes: reported, not an error.
	var st unix.Stat_t
	if err := unix.Stat("/proc/1/ns/net", &st); err != nil {
		s := scan(t)
		found := false
		for _, p := range s.Unreadable {
			found = found || p == 1
		}
		if !found {
			t.Errorf("pid 1 unreadable (%v) but not reported: %v", err, s.Unreadable)
		}
	}
}

// Processes that come and go during listings never make a scan fail or
// miscount a namespace whose members stay.
func TestChurn(t *testing.T) {
	nstest.RequireRoot(t)
	a := start(t, "unshare", "--net")
	start(t, "nsenter", fmt.Sprintf("--net=/proc/%d/ns/net", a.Process.Pid))
	id := nsID(t, a.Process.Pid, nsfs.Net)
	// Short-lived processes in their own new namespaces, all the time.
	churn := exec.Command("sh", "-c", "while :; do unshare --net --uts true; done")
	churn.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := churn.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Kill(-churn.Process.Pid, unix.SIGKILL); churn.Wait() })
	for i := 0; i < 30; i++ {
		s := scan(t)
		ns := s.Lookup(id)
		if ns == nil || len(ns.PIDs) != 2 {
			t.Fatalf("scan %d: stable namespace %+v", i, ns)
		}
		for _, n := range s.Namespaces {
			if len(n.PIDs) == 0 && len(n.Pins) == 0 && len(n.Fds) == 0 && len(n.ForChildren) == 0 &&
				n.Kind != nsfs.User && n.Kind != nsfs.PID {
				t.Errorf("scan %d: %s %d held by nothing", i, n.Kind, n.ID.Ino)
			}
		}
	}
}

// A user namespace made by unshare -r is owned by (and the child of) the
// initial one; what it owns is found under it.
func TestOwnerAndParent(t *testing.T) {
	nstest.RequireRoot(t)
	c := start(t, "unshare", "-r", "--net")
	s := scan(t)
	me := nsID(t, os.Getpid(), nsfs.User)
	u := s.Lookup(nsID(t, c.Process.Pid, nsfs.User))
	if u == nil || u.Owner != me || u.Parent != me {
		t.Fatalf("user namespace %+v, want owner and parent %d", u, me.Ino)
	}
	n := s.Lookup(nsID(t, c.Process.Pid, nsfs.Net))
	if n == nil || n.Owner != u.ID {
		t.Fatalf("its net namespace %+v, want owner %d", n, u.ID.Ino)
	}
	if home := s.Lookup(me); home == nil || !home.Owner.IsZero() {
		t.Errorf("initial user namespace %+v has an owner", home)
	}
}

// NETNSID agrees with ip netns set.
func TestNetnsID(t *testing.T) {
	nstest.RequireRoot(t)
	name := uniq("nshtest-id")
	path := netnsAdd(t, name)
	if out, err := exec.Command("ip", "netns", "set", name, "auto").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	out, err := exec.Command("ip", "-j", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	var list []struct {
		Name string `json:"name"`
		ID   *int   `json:"id"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatal(err)
	}
	want := -1
	for _, l := range list {
		if l.Name == name && l.ID != nil {
			want = *l.ID
		}
	}
	if want < 0 {
		t.Fatalf("ip netns list gives %s no id: %s", name, out)
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	ns := scan(t, nsfs.Net).Lookup(nsfs.ID{Dev: st.Dev, Ino: st.Ino})
	if ns == nil || ns.NetnsID != want {
		t.Fatalf("netnsid %+v, want %d", ns, want)
	}
}

// A pin that exists only in another mount namespace is found through a
// process in it, with a path that works from home.
func TestPinInOtherMountNamespace(t *testing.T) {
	nstest.RequireRoot(t)
	dir := t.TempDir()
	pin := filepath.Join(dir, "pin")
	ready := filepath.Join(dir, "ready")
	// unshare -m makes its mounts private: the pin stays in there.
	cmd := exec.Command("unshare", "-m", "--net", "sh", "-c",
		`touch "$1" && mount --bind /proc/self/ns/net "$1" && touch "$2" && exec sleep 600`, "sh", pin, ready)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if i > 5000 {
			t.Fatal("the pinning process did not get ready")
		}
		unix.Nanosleep(&unix.Timespec{Nsec: 1e6}, nil)
	}
	pid := cmd.Process.Pid
	ns := scan(t, nsfs.Net).Lookup(nsID(t, pid, nsfs.Net))
	if ns == nil {
		t.Fatal("its network namespace was not found")
	}
	want := fmt.Sprintf("/proc/%d/root%s", pid, pin)
	found := false
	for _, p := range ns.Pins {
		found = found || p.HostPath() == want && p.Via == pid && p.MntNS == nsID(t, pid, nsfs.Mnt).Ino
	}
	if !found {
		t.Fatalf("pins %+v, want one at %s", ns.Pins, want)
	}
	var home unix.Statfs_t
	if unix.Statfs(pin, &home) == nil && home.Type == unix.NSFS_MAGIC {
		t.Fatal("the pin leaked into the home mount namespace")
	}
}

func TestParseStat(t *testing.T) {
	for _, c := range []struct {
		line          string
		comm          string
		ppid, threads int
		kthread, ok   bool
	}{
		{"42 (sleep) S 7 42 42 0 -1 4194560 93 0 0 0 0 0 0 0 20 0 1 0 1234 8228864 224 18446744073709551615", "sleep", 7, 1, false, true},
		{"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0", "kthreadd", 0, 1, true, true},
		{"9 (a b) (c)) R 1 9 9 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 12 0 5", "a b) (c)", 1, 12, false, true},
		{"9 (z) Z 1 9 9 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 5", "", 0, 0, false, false},
		{"9 (short) S 1 9", "", 0, 0, false, false},
		{"garbage", "", 0, 0, false, false},
	} {
		comm, ppid, threads, kthread, ok := parseStat([]byte(c.line))
		if comm != c.comm || ppid != c.ppid || threads != c.threads || kthread != c.kthread || ok != c.ok {
			t.Errorf("parseStat(%q) = %q %d %d %v %v, want %q %d %d %v %v", c.line,
				comm, ppid, threads, kthread, ok, c.comm, c.ppid, c.threads, c.kthread, c.ok)
		}
	}
}

// A user namespace that only owns a pinned namespace (its processes gone)
// is found through NS_GET_USERNS, listed when user namespaces are wanted,
// and every fd the ioctls handed out is closed again.
func TestOwnerOnlyThroughIoctl(t *testing.T) {
	nstest.RequireRoot(t)
	c := start(t, "unshare", "-r", "--net")
	pid := c.Process.Pid
	user, net := nsID(t, pid, nsfs.User), nsID(t, pid, nsfs.Net)
	pin := filepath.Join(nstest.PinDir(t), "net")
	if err := os.WriteFile(pin, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(fmt.Sprintf("/proc/%d/ns/net", pid), pin, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	c.Process.Kill()
	c.Wait()

	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	before := fds()
	s := scan(t)
	n, u := s.Lookup(net), s.Lookup(user)
	if n == nil || n.Owner != user {
		t.Fatalf("pinned net namespace %+v, want owner %d", n, user.Ino)
	}
	if u == nil || len(u.PIDs)+len(u.Pins)+len(u.Fds) != 0 || u.Owner != nsID(t, os.Getpid(), nsfs.User) {
		t.Fatalf("its owner %+v, want one held by nothing but the net namespace, owned by the initial one", u)
	}
	s = scan(t, nsfs.Net)
	if n := s.Lookup(net); n == nil || n.Owner != user || s.Lookup(user) != nil {
		t.Fatalf("net only: %+v, owner listed: %v", n, s.Lookup(user) != nil)
	}
	if after := fds(); after != before {
		t.Errorf("%d fds open after the scans, %d before", after, before)
	}
}
