package nsexec

// The helper tested as C, as runc's nsenter tests drive nsenter: the
// package's .c files and testdata/driver.c built with cc into a program
// without the Go runtime, run with hand-made _NSH_EXEC requests; the tests
// check its replies on the socket and, through the driver's report (which
// mode exec runs), the namespaces and ids it ended in. Each test runs
// against two builds: as cgo builds it, and with ASan and UBSan.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/internal/nstest"
	"golang.org/x/sys/unix"
)

var builds = []struct{ name, flags string }{
	{"cgo", "-O2"}, // as nsexec.go's #cgo CFLAGS, with -Wall
	{"sanitized", "-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all"},
}

var built = map[string]string{} // build name -> the driver (the tests run one at a time)

// eachBuild runs f against every build of the driver.
func eachBuild(t *testing.T, f func(t *testing.T, h *helper)) {
	nstest.RequireRoot(t)
	cc := nstest.RequireTool(t, "gcc")
	for _, b := range builds {
		t.Run(b.name, func(t *testing.T) {
			f(t, &helper{driver: buildDriver(t, cc, b.name, b.flags)})
		})
	}
}

func buildDriver(t *testing.T, cc, name, flags string) string {
	if path, ok := built[name]; ok {
		return path
	}
	srcs, err := filepath.Glob("*.c")
	if err != nil || len(srcs) == 0 {
		t.Fatalf("no .c files: %v", err)
	}
	dir, err := os.MkdirTemp("", "nsexec-driver-")
	if err == nil {
		err = os.Chmod(dir, 0o755) // for a root whose user namespace does not map host root
	}
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "driver")
	args := append(strings.Fields("-Wall -Wextra -Werror "+flags), "-o", out, "testdata/driver.c")
	msg, err := exec.Command(cc, append(args, srcs...)...).CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("building the %s driver: %v\n%s", name, err, msg)
	}
	builtDirs = append(builtDirs, dir) // removed by TestMain
	built[name] = out
	return out
}

var builtDirs []string

func TestMain(m *testing.M) {
	st := m.Run()
	for _, d := range builtDirs {
		os.RemoveAll(d)
	}
	os.Exit(st)
}

type helper struct{ driver string }

// req is one run of the helper: _NSH_EXEC, the files it gets from fd 4
// on (the socket is fd 3), its environment, its argv (nil: the driver).
type req struct {
	spec  string
	files []*os.File
	env   []string
	argv  []string
	maps  func(pid int) string // answers MAP: "GO" or "NO"
	init  bool                 // mode init: starts in a new pid ns, keeps running
	uid   int                  // the helper runs as this user (0: root)
}

type reply struct {
	msg string
	fds []*os.File
}

type result struct {
	replies []reply
	out     map[string]string // the driver's report, when mode exec ran it
	stdout  string
	stderr  string
	state   *os.ProcessState
	cmd     *exec.Cmd
}

func (r *result) msgs() []string {
	var m []string
	for _, p := range r.replies {
		m = append(m, p.msg)
	}
	return m
}

func (h *helper) run(t *testing.T, q req) *result {
	t.Helper()
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	mine, theirs := sp[0], os.NewFile(uintptr(sp[1]), "helper-socket")
	defer unix.Close(mine)
	if q.argv == nil {
		q.argv = []string{h.driver}
	}
	var stdout, stderr bytes.Buffer
	cmd := &exec.Cmd{
		Path:       h.driver,
		Args:       q.argv,
		Env:        append([]string{"_NSH_EXEC=" + q.spec, "ASAN_OPTIONS=detect_leaks=0"}, q.env...),
		ExtraFiles: append([]*os.File{theirs}, q.files...),
		Stdout:     &stdout,
		Stderr:     &stderr,
		WaitDelay:  10 * time.Second, // a process that kept its stdout: fail, not hang
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if q.init {
		cmd.SysProcAttr.Cloneflags = unix.CLONE_NEWPID
	}
	if q.uid != 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(q.uid), Gid: uint32(q.uid)}
	}
	err = cmd.Start()
	theirs.Close()
	if err != nil {
		t.Fatal(err)
	}
	res := &result{cmd: cmd}
	buf, oob := make([]byte, 1024), make([]byte, unix.CmsgSpace(4*17))
	for {
		n, oobn, _, _, err := unix.Recvmsg(mine, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			t.Fatalf("reading from the helper: %v", err)
		}
		if n == 0 {
			break // EOF: it exited, executed the program, or is an init now
		}
		p := reply{msg: string(buf[:n])}
		if oobn > 0 {
			msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				fds, err := unix.ParseUnixRights(&m)
				if err != nil {
					t.Fatal(err)
				}
				for _, fd := range fds {
					f := os.NewFile(uintptr(fd), "sent")
					t.Cleanup(func() { f.Close() })
					p.fds = append(p.fds, f)
				}
			}
		}
		res.replies = append(res.replies, p)
		if p.msg == "MAP" {
			if q.maps == nil {
				t.Fatal("the helper asked for maps")
			}
			unix.Write(mine, []byte(q.maps(cmd.Process.Pid)))
		}
	}
	if q.init {
		return res
	}
	if err := cmd.Wait(); errors.Is(err, exec.ErrWaitDelay) {
		t.Errorf("something the helper started kept its stdout or stderr")
	}
	res.state, res.stdout, res.stderr = cmd.ProcessState, stdout.String(), stderr.String()
	if strings.Contains(res.stderr, "Sanitizer") || strings.Contains(res.stderr, "runtime error") {
		t.Errorf("the sanitizers found something:\n%s", res.stderr)
	}
	if strings.HasPrefix(res.stdout, "pid=") {
		res.out = map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
			k, v, _ := strings.Cut(l, "=")
			res.out[k] = v
		}
	}
	return res
}

// exec runs the driver itself in mode exec (the helper's argv[0] is the
// file, the rest the program's argv: "driver" and args) and returns its
// report.
func (h *helper) exec(t *testing.T, q req, args ...string) *result {
	t.Helper()
	q.spec = "exec sock=3 " + q.spec
	q.argv = append([]string{h.driver, "driver"}, args...)
	res := h.run(t, q)
	if len(res.replies) > 0 || res.out == nil {
		t.Fatalf("exec: replies %q, stdout %q, stderr %q", res.msgs(), res.stdout, res.stderr)
	}
	return res
}

func wantReplies(t *testing.T, res *result, status int, msgs ...string) {
	t.Helper()
	if got := res.msgs(); strings.Join(got, "|") != strings.Join(msgs, "|") {
		t.Errorf("replies %q, want %q (stderr %q)", got, msgs, res.stderr)
	}
	if res.state != nil && res.state.ExitCode() != status {
		t.Errorf("status %v, want %d", res.state, status)
	}
}

func nsLink(t *testing.T, f *os.File) string {
	t.Helper()
	return nstest.Readlink(t, "/proc/self/fd/"+strconv.Itoa(int(f.Fd())))
}

func flag(f int) string { return fmt.Sprintf("%#x", f) }

// make runs mode make and returns the namespace fds it sent.
func (h *helper) make(t *testing.T, spec string, maps func(int) string, files ...*os.File) (pid int, fds []*os.File) {
	t.Helper()
	res := h.run(t, req{spec: "make sock=3 " + spec, maps: maps, files: files})
	n := len(res.replies)
	if n == 0 || !strings.HasPrefix(res.replies[n-1].msg, "OK pid=") || res.state.ExitCode() != 0 {
		t.Fatalf("make %s: replies %q, %v, stderr %q", spec, res.msgs(), res.state, res.stderr)
	}
	pid, _ = strconv.Atoi(strings.TrimPrefix(res.replies[n-1].msg, "OK pid="))
	return pid, res.replies[n-1].fds
}

func TestProtocolErrors(t *testing.T) {
	eachBuild(t, func(t *testing.T, h *helper) {
		file, err := os.Open(h.driver)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		for _, c := range []struct {
			name, spec string
			env        []string
			files      []*os.File
			status     int
			want       string
		}{
			{"check", "check sock=3", nil, nil, 0, "OK"},
			{"unknown mode", "frob sock=3", nil, nil, 1, "ERR 22 unknown _NSH_EXEC mode"},
			{"no mode", "sock=3 uid=0", nil, nil, 1, "ERR 22 unknown _NSH_EXEC mode"},
			// ENOENT is 127 in every mode, as a program not found.
			{"chdir", "check sock=3", []string{"_NSH_CWD=/nonexistent"}, nil, 127, "ERR 2 chdir /nonexistent"},
			{"join a closed fd", "check sock=3 join=9:" + flag(unix.CLONE_NEWNET), nil, nil, 1, "ERR 9 setns net"},
			{"join a file", "check sock=3 join=4:" + flag(unix.CLONE_NEWUTS), nil, []*os.File{file}, 1, "ERR 22 setns uts"},
			{"unshare", "make sock=3 unshare=0x1", nil, nil, 1, "ERR 22 unshare"},
			// A request nsh would never send is refused whole, saying
			// what is wrong, before any of it is done.
			{"send not a namespace", "make sock=3 unshare=" + flag(unix.CLONE_NEWUTS) + " send=0x1", nil, nil, 1,
				"ERR 22 _NSH_EXEC: not a namespace flag: send=0x1"},
			{"join not a namespace", "check sock=3 join=4:0x2", nil, nil, 1, "ERR 22 _NSH_EXEC: not a namespace flag: join=4:0x2"},
			{"join without flag", "check sock=3 join=4", nil, nil, 1, "ERR 22 _NSH_EXEC: join wants FD:FLAG: join=4"},
			{"unknown key", "check sock=3 frob=1", nil, nil, 1, "ERR 22 _NSH_EXEC: unknown key: frob=1"},
			{"not a number", "check sock=3 uid=x", nil, nil, 1, "ERR 22 _NSH_EXEC: not a number: uid=x"},
			{"not all a number", "check sock=3 gid=12x", nil, nil, 1, "ERR 22 _NSH_EXEC: not a number: gid=12x"},
			{"two modes", "check exec sock=3", nil, nil, 1, "ERR 22 _NSH_EXEC: two modes: check exec"},
			{"too many", "check sock=3 send=" + strings.Repeat(flag(unix.CLONE_NEWNET)+",", 17), nil, nil, 1,
				"ERR 7 _NSH_EXEC: more than 16 in send"},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantReplies(t, h.run(t, req{spec: c.spec, env: c.env, files: c.files}), c.status, c.want)
			})
		}
	})
}

func TestExec(t *testing.T) {
	eachBuild(t, func(t *testing.T, h *helper) {
		uts, err := os.Open("/proc/self/ns/uts")
		if err != nil {
			t.Fatal(err)
		}
		defer uts.Close()
		dir := t.TempDir()
		// The program gets no fd of the helper's: not the socket
		// (close-on-exec: its EOF says the exec worked), nor a joined
		// namespace, nor /proc/self.
		res := h.exec(t, req{
			spec:  "join=4:" + flag(unix.CLONE_NEWUTS),
			files: []*os.File{uts},
			env:   []string{"_NSH_CWD=" + dir},
		}, "exit", "3")
		if res.out["fds"] != inherited(t) || res.out["exec"] != "unset" || res.out["cwd"] != dir {
			t.Errorf("fds %q, _NSH_EXEC %s, cwd %q (want %q)", res.out["fds"], res.out["exec"], res.out["cwd"], dir)
		}
		if res.state.ExitCode() != 3 {
			t.Errorf("status %v, want 3", res.state)
		}

		// A name without a slash is looked up in PATH: a file that is
		// not executable is passed over, and is the error if nothing
		// else is found; nothing at all is "not found".
		bin, noexec := filepath.Join(dir, "bin"), filepath.Join(dir, "noexec")
		for _, d := range []string{bin, noexec} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Symlink(h.driver, filepath.Join(bin, "nsh-driver")); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(noexec, "nsh-driver"), []byte("#!/bin/sh\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		run := func(file, path string) *result {
			return h.run(t, req{spec: "exec sock=3", env: []string{"PATH=" + path}, argv: []string{file, "driver"}})
		}
		if res := run("nsh-driver", "/nonexistent:"+noexec+":"+bin); res.out == nil || len(res.replies) > 0 {
			t.Errorf("PATH lookup: replies %q, stdout %q", res.msgs(), res.stdout)
		}
		wantReplies(t, run("nsh-driver", noexec), 126, "ERR 13 exec")
		wantReplies(t, run("nsh-driver", "/nonexistent"), 127, "ERR 2 exec")
		wantReplies(t, run(filepath.Join(dir, "nothing"), bin), 127, "ERR 2 exec")
		wantReplies(t, run(filepath.Join(noexec, "nsh-driver"), bin), 126, "ERR 13 exec")
	})
}

// Namespaces made by mode make and sent back are the ones a program ends
// in when it joins them.
func TestMakeAndJoin(t *testing.T) {
	eachBuild(t, func(t *testing.T, h *helper) {
		_, fds := h.make(t, "unshare="+flag(unix.CLONE_NEWUTS|unix.CLONE_NEWNET)+
			" send="+flag(unix.CLONE_NEWUTS)+","+flag(unix.CLONE_NEWNET), nil)
		if len(fds) != 2 {
			t.Fatalf("make sent %d fds, want 2", len(fds))
		}
		uts, net := nsLink(t, fds[0]), nsLink(t, fds[1])
		if !strings.HasPrefix(uts, "uts:") || !strings.HasPrefix(net, "net:") || uts == nstest.Readlink(t, "/proc/self/ns/uts") {
			t.Fatalf("make sent %s and %s", uts, net)
		}
		res := h.exec(t, req{
			spec:  "join=4:" + flag(unix.CLONE_NEWUTS) + ",5:" + flag(unix.CLONE_NEWNET),
			files: fds,
		})
		if res.out["uts"] != uts || res.out["net"] != net {
			t.Errorf("the program is in %s and %s, want %s and %s", res.out["uts"], res.out["net"], uts, net)
		}
	})
}

func TestUserMaps(t *testing.T) {
	eachBuild(t, func(t *testing.T, h *helper) {
		const m = "0 100000 65536"
		write := func(pid int) string {
			for _, f := range []string{"uid_map", "gid_map"} {
				if err := os.WriteFile(fmt.Sprintf("/proc/%d/%s", pid, f), []byte(m), 0); err != nil {
					t.Errorf("writing %s: %v", f, err)
					return "NO"
				}
			}
			return "GO"
		}
		_, fds := h.make(t, "unshare="+flag(unix.CLONE_NEWUSER)+" maps=1 send="+flag(unix.CLONE_NEWUSER), write)
		if len(fds) != 1 {
			t.Fatalf("make sent %d fds, want 1", len(fds))
		}
		user := nsLink(t, fds[0])
		join := func(uid, gid int) map[string]string {
			return h.exec(t, req{spec: fmt.Sprintf("join=4:%s uid=%d gid=%d", flag(unix.CLONE_NEWUSER), uid, gid), files: fds}).out
		}
		out := join(0, 0)
		if out["user"] != user || strings.Join(strings.Fields(out["uid_map"]), " ") != m+";" ||
			strings.Join(strings.Fields(out["gid_map"]), " ") != m+";" {
			t.Errorf("in %s with uid_map %q gid_map %q, want %s with %q", out["user"], out["uid_map"], out["gid_map"], user, m)
		}
		if out["uid"] != "0" || out["gid"] != "0" || out["groups"] != "0" {
			t.Errorf("ids %s %s (groups %s), want 0 0 (0)", out["uid"], out["gid"], out["groups"])
		}
		if out := join(1000, 1001); out["uid"] != "1000" || out["gid"] != "1001" {
			t.Errorf("ids %s %s, want 1000 1001", out["uid"], out["gid"])
		}
		// An id the map does not have leaves the ids as they are: host
		// root, unmapped in there, shows as the overflow id.
		if out := join(70000, 70000); out["uid"] != "65534" || out["gid"] != "65534" {
			t.Errorf("ids %s %s, want the overflow ids", out["uid"], out["gid"])
		}
		// Credentials without a user namespace: on the host.
		if out := h.exec(t, req{spec: "uid=1000 gid=1001"}).out; out["uid"] != "1000" || out["gid"] != "1001" || out["groups"] != "0" {
			t.Errorf("host ids %s %s (groups %s), want 1000 1001 (0)", out["uid"], out["gid"], out["groups"])
		}

		// nsh could not write the maps: the helper ends, reporting nothing.
		res := h.run(t, req{spec: "make sock=3 unshare=" + flag(unix.CLONE_NEWUSER) + " maps=1", maps: func(int) string { return "NO" }})
		wantReplies(t, res, 1, "MAP")
	})
}

// Joining as nsenter does: an ordinary user may not enter a namespace its
// user namespace owns until it is in that user namespace, so what setns
// refuses (EPERM) before the user namespace is entered after it.
func TestJoinAsUser(t *testing.T) {
	eachBuild(t, func(t *testing.T, h *helper) {
		const uid = 1000
		write := func(pid int) string {
			for _, f := range []string{"uid_map", "gid_map"} {
				if err := os.WriteFile(fmt.Sprintf("/proc/%d/%s", pid, f), []byte("0 1000 1"), 0); err != nil {
					t.Errorf("writing %s: %v", f, err)
					return "NO"
				}
			}
			return "GO"
		}
		// The user's own namespaces: made by a process of the user's.
		res := h.run(t, req{
			spec: "make sock=3 unshare=" + flag(unix.CLONE_NEWUSER|unix.CLONE_NEWNET) + " maps=1 send=" +
				flag(unix.CLONE_NEWUSER) + "," + flag(unix.CLONE_NEWNET),
			maps: write,
			uid:  uid,
		})
		wantReplies(t, res, 0, "MAP", "OK pid=0")
		fds := res.replies[len(res.replies)-1].fds
		if len(fds) != 2 {
			t.Fatalf("make sent %d fds", len(fds))
		}
		user, net := nsLink(t, fds[0]), nsLink(t, fds[1])
		// net listed first: tried first, refused, entered last.
		out := h.exec(t, req{
			spec:  "join=4:" + flag(unix.CLONE_NEWNET) + ",5:" + flag(unix.CLONE_NEWUSER) + " uid=0 gid=0",
			files: []*os.File{fds[1], fds[0]},
			uid:   uid,
		}).out
		if out["user"] != user || out["net"] != net || out["uid"] != "0" {
			t.Errorf("the program is in %s and %s as %s, want %s and %s as 0", out["user"], out["net"], out["uid"], user, net)
		}
		// Without the user namespace, the user may not enter its net.
		res = h.run(t, req{spec: "check sock=3 join=4:" + flag(unix.CLONE_NEWNET), files: fds[1:], uid: uid})
		wantReplies(t, res, 1, "ERR 1 setns net")
	})
}

func TestTimeOffsets(t *testing.T) {
	eachBuild(t, func(t *testing.T, h *helper) {
		var mono, boot unix.Timespec
		unix.ClockGettime(unix.CLOCK_MONOTONIC, &mono)
		unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot)
		_, fds := h.make(t, "unshare="+flag(unix.CLONE_NEWTIME)+" mono=3600 boot=7200 send="+flag(unix.CLONE_NEWTIME), nil)
		if len(fds) != 1 {
			t.Fatalf("make sent %d fds, want 1", len(fds))
		}
		out := h.exec(t, req{spec: "join=4:" + flag(unix.CLONE_NEWTIME), files: fds}).out
		if out["time"] != nsLink(t, fds[0]) || strings.Join(strings.Fields(out["timens_offsets"]), " ") != "monotonic 3600 0;boottime 7200 0;" {
			t.Errorf("in %s with offsets %q", out["time"], out["timens_offsets"])
		}
		gotMono, _ := strconv.ParseInt(out["mono"], 10, 64)
		gotBoot, _ := strconv.ParseInt(out["boot"], 10, 64)
		if gotMono < mono.Sec+3600 || gotBoot < boot.Sec+7200 {
			t.Errorf("clocks %d %d, want at least %d %d", gotMono, gotBoot, mono.Sec+3600, boot.Sec+7200)
		}
		// An offset that would make the clock negative: the kernel's
		// refusal, reported.
		res := h.run(t, req{spec: "make sock=3 unshare=" + flag(unix.CLONE_NEWTIME) + " mono=-1000000000000"})
		wantReplies(t, res, 1, "ERR 34 writing time offsets")
	})
}

// keepPipe is an init's keep-alive pipe: the read end to give it, the
// write end closed when the test ends.
func keepPipe(t *testing.T) (r, w *os.File) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// waitExit waits for a child of this process that os/exec did not start.
func waitExit(t *testing.T, pid int) unix.WaitStatus {
	t.Helper()
	done := make(chan unix.WaitStatus, 1)
	go func() {
		var ws unix.WaitStatus
		for {
			_, err := unix.Wait4(pid, &ws, 0, nil)
			if err != unix.EINTR {
				break
			}
		}
		done <- ws
	}()
	select {
	case ws := <-done:
		return ws
	case <-time.After(20 * time.Second):
		unix.Kill(pid, unix.SIGKILL)
		t.Fatalf("init %d did not end", pid)
		return 0
	}
}

// checkInit checks that pid is pid 1 of its namespace, named nsh-init, and
// holds no fd but the keep-alive pipe and its own signalfd.
func checkInit(t *testing.T, pid int, keep *os.File) {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), fmt.Sprintf("\nNSpid:\t%d\t1\n", pid)) {
		t.Errorf("not pid 1 of a new pid namespace:\n%s", status)
	}
	if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); string(comm) != "nsh-init\n" {
		t.Errorf("comm %q, want nsh-init", comm)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(keep.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	want := fmt.Sprintf("anon_inode:[signalfd] pipe:[%d]", st.Ino)
	var links []string
	// The socket's EOF comes with the first fd it closes: wait for the
	// rest to be closed, and for the signalfd.
	nstest.WaitUntil(func() bool {
		ents, err := os.ReadDir(fdDir)
		if err != nil {
			t.Fatal(err)
		}
		links = links[:0]
		for _, e := range ents {
			l, _ := os.Readlink(filepath.Join(fdDir, e.Name())) // "": closed meanwhile
			links = append(links, l)
		}
		slices.Sort(links)
		return strings.Join(links, " ") == want
	})
	if strings.Join(links, " ") != want {
		t.Errorf("the init holds %q, want %q", links, want)
	}
}

// inherited lists the fds a child of this process gets without asking:
// 0, 1, 2 and whatever this process inherited and did not mark
// close-on-exec, in the driver's format.
func inherited(t *testing.T) string {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	var fds []int
	for _, e := range ents {
		fd, _ := strconv.Atoi(e.Name())
		if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); fd > 2 && err == nil && fl&unix.FD_CLOEXEC == 0 {
			fds = append(fds, fd)
		}
	}
	fds = append(fds, 0, 1, 2)
	slices.Sort(fds)
	var b strings.Builder
	for _, fd := range fds {
		fmt.Fprintf(&b, "%d,", fd)
	}
	return b.String()
}

func TestPidInit(t *testing.T) {
	eachBuild(t, func(t *testing.T, h *helper) {
		keep, release := keepPipe(t)
		pid, fds := h.make(t, "unshare="+flag(unix.CLONE_NEWPID|unix.CLONE_NEWNS)+
			" prop="+flag(unix.MS_PRIVATE|unix.MS_REC)+" proc=1 keep=4 send="+
			flag(unix.CLONE_NEWPID)+","+flag(unix.CLONE_NEWNS), nil, keep)
		if len(fds) != 3 {
			t.Fatalf("make sent %d fds, want pid, mnt and a pidfd", len(fds))
		}
		if l := nsLink(t, fds[2]); l != "anon_inode:[pidfd]" {
			t.Errorf("the last fd is %s, not a pidfd", l)
		}
		// The init is this process's child (CLONE_PARENT), not the
		// helper's, which has exited.
		t.Cleanup(func() { unix.Kill(pid, unix.SIGKILL); unix.Wait4(pid, nil, 0, nil) })
		checkInit(t, pid, keep)

		// A program that joins the namespace (fork=1) is a process of it,
		// sees the /proc the init mounted, and its end is the helper's.
		join := req{
			spec:  "fork=1 join=4:" + flag(unix.CLONE_NEWPID) + ",5:" + flag(unix.CLONE_NEWNS),
			files: fds[:2],
		}
		res := h.exec(t, join, "exit", "7")
		if res.out["pid"] == "1" || res.out["pid"] == strconv.Itoa(res.cmd.Process.Pid) || res.out["init"] != "nsh-init;" {
			t.Errorf("the program is pid %s (the helper %d), and pid 1 is %q", res.out["pid"], res.cmd.Process.Pid, res.out["init"])
		}
		if res.state.ExitCode() != 7 {
			t.Errorf("status %v, want 7", res.state)
		}
		if res := h.exec(t, join, "kill", strconv.Itoa(int(unix.SIGTERM))); res.state.Sys().(syscall.WaitStatus).Signal() != unix.SIGTERM {
			t.Errorf("status %v, want killed by SIGTERM", res.state)
		}

		// Released ('r'), the init ends once it is alone.
		if _, err := release.Write([]byte("r")); err != nil {
			t.Fatal(err)
		}
		if ws := waitExit(t, pid); !ws.Exited() || ws.ExitStatus() != 0 {
			t.Errorf("the init ended with %v", ws)
		}

		// Without its keep-alive pipe's writer, the init ends at once.
		keep, release = keepPipe(t)
		pid, _ = h.make(t, "unshare="+flag(unix.CLONE_NEWPID)+" keep=4", nil, keep)
		checkInit(t, pid, keep)
		release.Close()
		if ws := waitExit(t, pid); !ws.Exited() || ws.ExitStatus() != 0 {
			t.Errorf("the init ended with %v", ws)
		}
	})
}

// Mode init: the process started as pid 1 of a new pid namespace becomes
// its init, reporting one int (0: ready) on the socket.
func TestInitMode(t *testing.T) {
	eachBuild(t, func(t *testing.T, h *helper) {
		keep, release := keepPipe(t)
		res := h.run(t, req{spec: "init sock=3 keep=4", files: []*os.File{keep}, init: true})
		t.Cleanup(func() { res.cmd.Process.Kill(); res.cmd.Wait() })
		if len(res.replies) != 1 || res.replies[0].msg != "\x00\x00\x00\x00" {
			t.Fatalf("replies %q, want one 0", res.msgs())
		}
		checkInit(t, res.cmd.Process.Pid, keep)
		release.Close()
		if err := res.cmd.Wait(); err != nil {
			t.Errorf("the init ended with %v", err)
		}
	})
}

func TestPin(t *testing.T) {
	eachBuild(t, func(t *testing.T, h *helper) {
		// All in a mount namespace of the test's own: the host sees the
		// files, never the mounts.
		_, fds := h.make(t, "unshare="+flag(unix.CLONE_NEWNS)+" prop="+flag(unix.MS_PRIVATE|unix.MS_REC)+
			" send="+flag(unix.CLONE_NEWNS), nil)
		mnt := fds[0]
		net, err := os.Open("/proc/self/ns/net")
		if err != nil {
			t.Fatal(err)
		}
		defer net.Close()
		dir := t.TempDir()
		join := "sock=3 join=4:" + flag(unix.CLONE_NEWNS)
		pin := func(path string) *result {
			return h.run(t, req{spec: "pin pin=5 " + join, files: []*os.File{mnt, net}, env: []string{"_NSH_PIN=" + path}})
		}
		unpin := func(path string) *result {
			return h.run(t, req{spec: "unpin " + join, files: []*os.File{mnt}, env: []string{"_NSH_PIN=" + path}})
		}
		p := filepath.Join(dir, "a", "b", "p")
		wantReplies(t, pin(p), 0, "OK") // making a and b
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() || st.Size() != 0 {
			t.Errorf("the pin file on the host: %v %v", st, err)
		}
		res := h.run(t, req{spec: "open " + join, files: []*os.File{mnt}, env: []string{"_NSH_OPEN=" + p}})
		wantReplies(t, res, 0, "OK")
		if len(res.replies) == 1 && len(res.replies[0].fds) == 1 {
			var got, want unix.Stat_t
			unix.Fstat(int(res.replies[0].fds[0].Fd()), &got)
			unix.Fstat(int(net.Fd()), &want)
			if got.Ino != want.Ino || got.Dev != want.Dev {
				t.Errorf("the pin opens inode %d, not the net namespace %d", got.Ino, want.Ino)
			}
		} else {
			t.Errorf("open sent %v", res.replies)
		}
		wantReplies(t, pin(p), 1, "ERR 17 already a pin (unpin it first)")

		if err := os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "link")); err != nil {
			t.Fatal(err)
		}
		wantReplies(t, pin(filepath.Join(dir, "link", "q")), 1,
			"ERR 40 a symbolic link on the way (without root nsh follows none: give the path without links)")
		data := filepath.Join(dir, "data")
		if err := os.WriteFile(data, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		wantReplies(t, pin(data), 1, "ERR 17 the pin file exists and is not an empty file")
		wantReplies(t, pin(dir+"/"), 1, "ERR 22 not a path to a file")
		wantReplies(t, unpin(data), 1, "ERR 22 not a pin")

		wantReplies(t, unpin(p), 0, "OK")
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("unpin left the file: %v", err)
		}
		wantReplies(t, unpin(p), 127, "ERR 2 stat")
	})
}

// nofile.c reads the soft open-files limit before anything can raise it.
func TestStartNofile(t *testing.T) {
	eachBuild(t, func(t *testing.T, h *helper) {
		out, err := exec.Command("sh", "-c", "ulimit -Sn 300 && exec \"$0\"", h.driver).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), "\nnofile=300\n") {
			t.Errorf("the driver says:\n%s", out)
		}
	})
}
