package nsexec

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"golang.org/x/sys/unix"
)

func pipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// Every fd lands where files puts it, whatever the numbers: the parent's
// fd 0 given as 4 while 0 gets another (so it must be moved out of the
// way first), fds in place (2), fds above 9 given in reverse; a -1 is
// closed.
func TestSpawnFiles(t *testing.T) {
	sh := nstest.RequireTool(t, "sh")
	outR, outW := pipe(t)
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	files := []int{int(devnull.Fd()), int(outW.Fd()), 2, -1, 0, 0, 0, 0, 0, 0}
	want := map[int]*os.File{} // fd in the program -> the pipe's read end
	var w4 *os.File
	for fd := 9; fd >= 4; fd-- {
		r, w := pipe(t)
		want[fd], files[fd] = r, int(w.Fd())
		w4 = w
	}
	files[4] = 0
	// want[4]'s write end is this process's fd 0 while it spawns.
	saved, err := unix.FcntlInt(0, unix.F_DUPFD_CLOEXEC, 0) // EBADF: no fd 0 (CI)
	restore := func() { unix.Close(0) }
	if err == nil {
		defer unix.Close(saved)
		restore = func() { unix.Dup3(saved, 0, 0) }
	}
	script := `[ -e /proc/self/fd/3 ] && echo fd3 open; read x || echo eof; for i in 4 5 6 7 8 9; do echo $i >&$i; done; echo done`
	if err := unix.Dup3(int(w4.Fd()), 0, 0); err != nil {
		t.Fatal(err)
	}
	pid, err := Spawn(sh, []string{sh, "-c", script}, os.Environ(), files, nil, false)
	restore()
	w4.Close()
	if err != nil {
		t.Fatal(err)
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil || ws.ExitStatus() != 0 {
		t.Fatalf("wait: %v, status %d", err, ws.ExitStatus())
	}
	outW.Close()
	b := make([]byte, 100)
	n, _ := outR.Read(b)
	if got := string(b[:n]); got != "eof\ndone\n" {
		t.Errorf("stdout %q, want eof and done (stdin /dev/null, fd 3 closed)", got)
	}
	for fd, r := range want {
		n, err := r.Read(b)
		if got := strings.TrimSpace(string(b[:n])); err != nil || got != strconv.Itoa(fd) {
			t.Errorf("the pipe given as fd %d: %q %v", fd, got, err)
		}
	}
}

// A program that cannot start is its errno, and leaves no zombie.
func TestSpawnErrors(t *testing.T) {
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec")
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte("echo no shebang\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want error
	}{
		{dir + "/missing", syscall.ENOENT},
		{noexec, syscall.EACCES},
		{script, syscall.ENOEXEC},
		{dir, syscall.EACCES},
		{"/bin/tr\x00ue", syscall.EINVAL},
	} {
		pid, err := Spawn(c.path, []string{c.path}, nil, []int{0, 1, 2}, nil, false)
		if !errors.Is(err, c.want) {
			t.Errorf("%q: pid %d, error %v, want %v", c.path, pid, err, c.want)
		}
	}
	if _, err := unix.Wait4(-1, nil, unix.WNOHANG, nil); err != unix.ECHILD {
		t.Errorf("a child is left: wait4 says %v", err)
	}
	sys := &syscall.SysProcAttr{Setsid: true}
	if _, err := Spawn("/bin/true", nil, nil, nil, sys, false); err != ErrUnsupported {
		t.Errorf("Setsid: %v, want ErrUnsupported", err)
	}
	if _, err := Spawn("/bin/true", nil, nil, make([]int, 11), nil, false); err != ErrUnsupported {
		t.Errorf("11 fds: %v, want ErrUnsupported", err)
	}
}

// The program gets the signal dispositions and mask os/exec gives: Go's
// handlers gone, ignored signals still ignored, nothing blocked.
func TestSpawnSignals(t *testing.T) {
	cat := nstest.RequireTool(t, "cat")
	signal.Ignore(syscall.SIGUSR2)
	defer signal.Reset(syscall.SIGUSR2)
	status := func(start func(out *os.File) int) string {
		r, w := pipe(t)
		pid := start(w)
		w.Close()
		b := make([]byte, 4096)
		var all []byte
		for {
			n, err := r.Read(b)
			all = append(all, b[:n]...)
			if err != nil {
				break
			}
		}
		unix.Wait4(pid, nil, 0, nil)
		var keep []string
		for _, l := range strings.Split(string(all), "\n") {
			if strings.HasPrefix(l, "Sig") && !strings.HasPrefix(l, "SigQ") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "; ")
	}
	got := status(func(out *os.File) int {
		pid, err := Spawn(cat, []string{cat, "/proc/self/status"}, nil, []int{0, int(out.Fd()), 2}, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		return pid
	})
	want := status(func(out *os.File) int {
		cmd := &exec.Cmd{Path: cat, Args: []string{cat, "/proc/self/status"}, Stdout: out}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		cmd.Process.Release()
		return pid
	})
	if got != want || !strings.Contains(got, "SigCgt:\t0000000000000000") || !strings.Contains(got, "SigBlk:\t0000000000000000") {
		t.Errorf("Spawn: %s\nos/exec: %s", got, want)
	}
	if !strings.Contains(got, "SigIgn:\t0000000000000800") {
		t.Errorf("SIGUSR2 no longer ignored: %s", got)
	}
}

// The program starts in the namespaces of the thread that spawns it, and
// in the process group asked for.
func TestSpawnThreadAndGroup(t *testing.T) {
	nstest.RequireRoot(t)
	sleep := nstest.RequireTool(t, "sleep")
	type res struct {
		pid      int
		err      error
		old, new string // the thread's netns before and after unshare
	}
	ch := make(chan res)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with it
		old, _ := os.Readlink("/proc/thread-self/ns/net")
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ch <- res{err: err}
			return
		}
		new, _ := os.Readlink("/proc/thread-self/ns/net")
		pid, err := Spawn(sleep, []string{sleep, "10"}, nil, []int{0, 1, 2}, &syscall.SysProcAttr{Setpgid: true}, false)
		ch <- res{pid, err, old, new}
	}()
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer unix.Wait4(r.pid, nil, 0, nil)
	defer unix.Kill(r.pid, unix.SIGKILL)
	child, err := os.Readlink("/proc/" + strconv.Itoa(r.pid) + "/ns/net")
	if err != nil || child != r.new || child == r.old {
		t.Errorf("the program's netns %q (%v), want the thread's new one %q (it was in %q)", child, err, r.new, r.old)
	}
	if pg, err := unix.Getpgid(r.pid); err != nil || pg != r.pid {
		t.Errorf("process group %d (%v), want its own, %d", pg, err, r.pid)
	}
}
