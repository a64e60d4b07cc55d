package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/internal/nstest"
	"golang.org/x/sys/unix"
)

// session is an nsh -c script that stops at `cat $SYNC/N`, N = 1, 2...,
// until the test lets it go on: the test looks at nsh while it waits.
type session struct {
	t    *testing.T
	cmd  *exec.Cmd
	sync string
	out  bytes.Buffer
	errs bytes.Buffer
	done chan struct{}
}

// startSession starts nsh -c script with $SYNC (and $T, a directory for
// the script's files) set; env is added to nsh's environment.
func startSession(t *testing.T, script string, env ...string) *session {
	t.Helper()
	nstest.RequireRoot(t)
	nsh, err := exec.LookPath("nsh") // testscript.Main put it in PATH
	if err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, sync: t.TempDir(), done: make(chan struct{})}
	for i := 1; i <= 9; i++ {
		if err := syscall.Mkfifo(filepath.Join(s.sync, strconv.Itoa(i)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.cmd = exec.Command(nsh, "-c", script)
	s.cmd.Env = append(os.Environ(), append(env, "SYNC="+s.sync)...)
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.errs
	// A process nsh left behind may hold its output open: Wait must not
	// wait for it.
	s.cmd.WaitDelay = time.Second
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
	return s
}

// at waits until nsh is at `cat $SYNC/n` and returns a function that lets
// it go on. patience bounds the wait, for a noisy machine.
func (s *session) at(n int, patience time.Duration) (resume func()) {
	s.t.Helper()
	fifo := filepath.Join(s.sync, strconv.Itoa(n))
	deadline := time.Now().Add(patience)
	for {
		// Opening the write end without blocking fails until cat has
		// opened the read end.
		fd, err := syscall.Open(fifo, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err == nil {
			return func() { syscall.Close(fd) }
		}
		select {
		case <-s.done:
			s.t.Fatalf("nsh ended before sync %d: %v\nstdout:\n%s\nstderr:\n%s", n, s.cmd.ProcessState, &s.out, &s.errs)
		default:
		}
		if !errors.Is(err, syscall.ENXIO) || time.Now().After(deadline) {
			s.t.Fatalf("sync %d: %v", n, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wait waits for nsh to end and fails the test unless it succeeded.
func (s *session) wait() {
	s.t.Helper()
	<-s.done
	if !s.cmd.ProcessState.Success() {
		s.t.Fatalf("nsh: %v\nstdout:\n%s\nstderr:\n%s", s.cmd.ProcessState, &s.out, &s.errs)
	}
}

// flat measures nsh at sync a and at sync b (waiting there, bounded, for
// inits let go to end) and checks that nothing grew in between.
func (s *session) flat(what string, a, b int, patience time.Duration) {
	s.t.Helper()
	pid := s.cmd.Process.Pid
	resume := s.at(a, patience)
	before := nstest.Measure(s.t, pid)
	resume()
	resume = s.at(b, patience)
	nstest.WaitUntil(func() bool { return nstest.Measure(s.t, pid).Inits <= before.Inits })
	after := nstest.Measure(s.t, pid)
	resume()
	nstest.CheckFlat(s.t, what, before, after)
}

// Issue 9 (4): 2,000 rounds of unshare pid; home leave nsh's threads,
// fds and inits where they were.
func TestUnsharePIDRoundsFlat(t *testing.T) {
	s := startSession(t, `
unshare pid; home
cat $SYNC/1
for i in $(seq 2000); do unshare pid; home; done
cat $SYNC/2
`)
	s.flat("2000 rounds of unshare pid; home", 1, 2, 2*time.Minute)
	s.wait()
}

// 100,000 hops into pins and back (a pinned pid namespace among them,
// whose init stays) leave nsh's threads and fds where they were.
func TestHopsFlat(t *testing.T) {
	n := 100000
	if testing.Short() {
		n = 5000
	}
	// Literal paths: a word with $VAR in it makes each hop cost about 15
	// times more (the command no longer runs inline on the thread).
	a := nstest.PinDir(t) + "/a"
	s := startSession(t, strings.NewReplacer("@PIN", a, "@N", strconv.Itoa(n)).Replace(`
unshare net pid
pin @PIN
home
setns @PIN/net; home; push; setns @PIN/pid; pop
cat $SYNC/1
for i in $(seq @N); do setns @PIN/net; home; done
for i in $(seq 1000); do push; setns @PIN/pid; pop; done
setns @PIN/pid; true; home
cat $SYNC/2
unpin @PIN/net @PIN/pid
`))
	start := time.Now()
	s.flat(fmt.Sprintf("%d hops", n), 1, 2, 2*time.Minute)
	t.Logf("%d hops and 1,000 push/pop in %v", n, time.Since(start).Round(time.Millisecond))
	s.wait()
}

// fdLister is a C program that prints the descriptors it got beyond 0-2:
// "LABEL ok", or a line "LABEL leak fd N -> TARGET" for each.
const fdLister = `#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *label = argc > 1 ? argv[1] : "?";
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		perror("fdlist: /proc/self/fd");
		return 2;
	}
	int self = dirfd(d), leaks = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		int fd = atoi(e->d_name);
		if (fd <= 2 || fd == self)
			continue;
		char path[64], target[4096];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(path, target, sizeof target - 1);
		target[n < 0 ? 0 : n] = 0;
		printf("%s leak fd %d -> %s\n", label, fd, target);
		leaks++;
	}
	if (!leaks)
		printf("%s ok\n", label);
	return 0;
}
`

// buildFdLister compiles fdLister into dir as fdlist.
func buildFdLister(t *testing.T, dir string) {
	t.Helper()
	gcc := nstest.RequireTool(t, "gcc")
	src := filepath.Join(dir, "fdlist.c")
	if err := os.WriteFile(src, []byte(fdLister), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-O", "-o", filepath.Join(dir, "fdlist"), src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
}

// No descriptor of nsh's reaches a program, whichever way nsh starts it
// and whatever the context went through: the fd lister run at each step
// sees nothing beyond 0-2. nsh itself is given two more fds, which it
// must not pass on either.
func TestNoFdReachesPrograms(t *testing.T) {
	bin := t.TempDir()
	buildFdLister(t, bin)
	dir := nstest.PinDir(t)
	for name, text := range map[string]string{"src.nsh": "fdlist source\n", "src2.nsh": "fdlist source-redirected\n", "in": "x\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct{ label, script string }{
		{"plain", "fdlist plain"},
		{"pipeline-first", "fdlist pipeline-first | cat"},
		{"pipeline-middle", "echo x | fdlist pipeline-middle | cat"},
		{"redirect-out", "fdlist redirect-out > $T/out; cat $T/out"},
		{"redirect-in", "fdlist redirect-in < $T/in"},
		{"redirect-err", "fdlist redirect-err 2>&1"},
		{"background", "fdlist background &\nwait"},
		{"subst", "echo $(fdlist subst)"},
		{"source", "source $T/src.nsh"},
		{"source-redirected", "source $T/src2.nsh > $T/out2; cat $T/out2"},
		{"unshare", "unshare net uts\nfdlist unshare"},
		{"pin", "pin $T/pins\nfdlist pin"},
		{"push", "push\nfdlist push"},
		{"pop", "home\npop\nfdlist pop"},
		{"ns-a", "ns -a > /dev/null\nfdlist ns-a"},
		{"unpin", "unpin $T/pins/net $T/pins/uts\nfdlist unpin"},
		{"pid", "unshare pid --mount-proc\nfdlist pid"},
		{"home", "home\nfdlist home"},
		{"user", "unshare user --map-root\nfdlist user"},
		{"user-pid", "unshare pid\nfdlist user-pid"},
		{"user-background", "fdlist user-background &\nwait"},
	}
	var script, want strings.Builder
	for _, s := range steps {
		script.WriteString(s.script + "\n")
		want.WriteString(s.label + " ok\n")
	}
	nsh, err := exec.LookPath("nsh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nsh, "-c", script.String())
	cmd.Env = append(os.Environ(), "T="+dir, "PATH="+bin+":"+os.Getenv("PATH"))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	cmd.ExtraFiles = []*os.File{r, w} // fds 3 and 4 of nsh
	var errs strings.Builder
	cmd.Stderr = &errs
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nsh: %v\n%s\n%s", err, out, errs.String())
	}
	if string(out) != want.String() {
		t.Errorf("fd lister says:\n%s\nwant:\n%s", out, want.String())
	}
}

// proc is a process followed by its pidfd, which names it even once its
// pid is reused.
type proc struct {
	pid   int
	comm  string
	pidfd *os.File
}

// descendants lists process pid's running descendants.
func descendants(t *testing.T, pid int) []proc {
	t.Helper()
	var all []proc
	for next := []int{pid}; len(next) > 0; next = next[1:] {
		for _, kid := range nstest.Children(next[0], "") {
			fd, err := unix.PidfdOpen(kid, 0)
			if err != nil {
				continue // gone meanwhile
			}
			p, _ := nstest.ReadProc(kid)
			f := os.NewFile(uintptr(fd), "pidfd")
			t.Cleanup(func() { f.Close() })
			all = append(all, proc{kid, p.Comm, f})
			next = append(next, kid)
		}
	}
	return all
}

// running lists those of procs that still run: not ended (their pidfd is
// readable then) and not exiting. An init that is exiting waits for the
// processes of its namespace to be reaped, and those nsh left are reaped
// by pid 1, as fast as it likes.
func running(procs []proc) []string {
	var r []string
	for _, p := range procs {
		pfd := []unix.PollFd{{Fd: int32(p.pidfd.Fd()), Events: unix.POLLIN}}
		if n, err := unix.Poll(pfd, 0); err != nil || n > 0 {
			continue
		}
		if st, ok := nstest.ReadProc(p.pid); ok && !st.Exiting {
			r = append(r, fmt.Sprintf("%d %s", p.pid, p.comm))
		}
	}
	return r
}

// SIGKILL of nsh leaves none of its processes behind: not the inits of
// its pid namespaces, nor what runs in them, nor a plugin, nor a helper
// waiting for a program in a pid namespace.
func TestKilledNshLeavesNoProcess(t *testing.T) {
	plugins := t.TempDir()
	if err := os.Chmod(plugins, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(pluginsForScripts(t), "nsh-plugin-test"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(plugins, "nsh-plugin-test"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	s := startSession(t, `
tpid
unshare pid
sleep 600 &
unshare user --map-root
unshare pid
sleep 600 &
cat $SYNC/1
`, "NSH_PLUGIN_PATH="+plugins, "XDG_CACHE_HOME="+t.TempDir())
	resume := s.at(1, time.Minute)
	defer resume()
	procs := descendants(t, s.cmd.Process.Pid)
	names := " "
	for _, p := range procs {
		names += p.comm + " "
	}
	t.Logf("nsh's processes:%s", names)
	for _, want := range []string{"nsh-init", "nsh-plugin-test", "sleep", "cat"} {
		if !strings.Contains(names, " "+want+" ") {
			t.Fatalf("no %s among nsh's processes (%s): the test would prove nothing", want, names)
		}
	}
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.done
	nstest.WaitUntil(func() bool { return len(running(procs)) == 0 })
	if r := running(procs); len(r) > 0 {
		t.Errorf("after SIGKILL of nsh these still run: %v", r)
		for _, p := range procs {
			unix.PidfdSendSignal(int(p.pidfd.Fd()), unix.SIGKILL, nil, 0)
		}
	}
}
