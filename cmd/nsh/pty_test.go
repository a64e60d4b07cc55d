package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/nsh-dev/nsh/internal/nstest"
	"golang.org/x/sys/unix"
)

// term is nsh running on a pseudo-terminal, typed at as a user would.
type term struct {
	t    *testing.T
	ptmx *os.File
	cmd  *exec.Cmd

	mu   sync.Mutex
	out  bytes.Buffer
	seen int // output before this offset was matched already
	more chan struct{}
}

// patience bounds every wait for output, so that a broken nsh fails the
// test instead of hanging it; it is not a timing assertion.
const patience = 30 * time.Second

func startTerm(t *testing.T, env ...string) *term {
	t.Helper()
	nsh, err := exec.LookPath("nsh") // testscript.Main put it in PATH
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	cmd := exec.Command(nsh, "--norc")
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_STATE_HOME="+home, "TERM=xterm", "NO_COLOR=1", "NSH_PROMPT=")
	cmd.Env = append(cmd.Env, env...)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, ptmx: ptmx, cmd: cmd, more: make(chan struct{}, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			tm.mu.Lock()
			tm.out.Write(buf[:n])
			tm.mu.Unlock()
			select {
			case tm.more <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		// nsh is a session leader (pty.Start makes a new session): end
		// every process of its session, jobs included.
		killSession(cmd.Process.Pid)
		cmd.Wait()
		ptmx.Close()
		if t.Failed() {
			tm.mu.Lock()
			t.Logf("terminal output:\n%q", tm.out.String())
			tm.mu.Unlock()
		}
	})
	return tm
}

func killSession(sid int) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, err := unix.Getsid(pid); err == nil && s == sid {
			unix.Kill(pid, unix.SIGKILL)
		}
	}
}

func (tm *term) typ(s string) {
	tm.t.Helper()
	if _, err := tm.ptmx.WriteString(s); err != nil {
		tm.t.Fatal(err)
	}
}

// expect waits for want to appear in the output after what was matched
// before.
func (tm *term) expect(want string) {
	tm.t.Helper()
	deadline := time.After(patience)
	for {
		tm.mu.Lock()
		s := tm.out.String()
		i := strings.Index(s[tm.seen:], want)
		if i >= 0 {
			tm.seen += i + len(want)
		}
		tm.mu.Unlock()
		if i >= 0 {
			return
		}
		select {
		case <-tm.more:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			tm.t.Fatalf("no %q on the terminal; it shows:\n%q", want, s[tm.seen:])
		}
	}
}

// waitForeground waits until a process named comm owns the terminal.
func (tm *term) waitForeground(comm string) int {
	tm.t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		pgrp, err := unix.IoctlGetInt(int(tm.ptmx.Fd()), unix.TIOCGPGRP)
		if err == nil && pgrp != tm.cmd.Process.Pid {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pgrp))
			if strings.TrimSpace(string(b)) == comm {
				return pgrp
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm.t.Fatalf("%s never got the terminal", comm)
	return 0
}

func TestPTYCompleteBuiltin(t *testing.T) {
	tm := startTerm(t)
	tm.typ("hel\t\r")
	tm.expect("nsh builtins")
}

// sleep starts a long sleep in the foreground and waits until it owns the
// terminal; it returns its process group.
func (tm *term) sleep() int {
	tm.t.Helper()
	tm.typ("sleep 1000\r")
	return tm.waitForeground("sleep")
}

func TestPTYCtrlCReachesForeground(t *testing.T) {
	tm := startTerm(t)
	pgrp := tm.sleep()
	tm.typ("\x03")
	tm.typ("echo alive $?\r")
	tm.expect("alive 130")
	if err := unix.Kill(pgrp, 0); err == nil {
		t.Errorf("sleep (%d) survived Ctrl-C", pgrp)
	}
	// Ctrl-C at the prompt clears the line; nsh stays.
	tm.typ("echo never\x03")
	tm.typ("echo still here\r")
	tm.expect("still here")
}

func TestPTYStopAndFg(t *testing.T) {
	tm := startTerm(t)
	tm.sleep()
	tm.typ("\x1a")
	tm.expect("Stopped")
	tm.typ("jobs\r")
	tm.expect("[1]+  Stopped   sleep 1000")
	tm.typ("fg\r")
	tm.waitForeground("sleep")
	tm.typ("\x03")
	tm.typ("echo back $?\r")
	tm.expect("back 130")
}

func TestPTYExitWarnsAboutJobs(t *testing.T) {
	tm := startTerm(t)
	tm.typ("sleep 1000 &\r")
	tm.expect("[1] ")
	tm.typ("exit\r")
	tm.expect("there are jobs (1 running")
	tm.typ("echo stayed\r")
	tm.expect("stayed")
}

func TestPTYPromptAndPinCompletion(t *testing.T) {
	nstest.RequireRoot(t)
	dir := nstest.PinDir(t)
	pin := filepath.Join(dir, "labnet")
	if out, err := exec.Command("nsh", "-c", "unshare net; pin net "+pin).CombinedOutput(); err != nil {
		t.Fatalf("making a pin: %v\n%s", err, out)
	}
	tm := startTerm(t, "NSH_PROMPT=nsh%k%$ ")
	tm.expect("nsh# ")
	tm.typ("unshare net\r")
	tm.expect("nsh[net]# ")
	tm.typ("home\r")
	tm.expect("nsh# ")
	// Complete the pin from its first letters, then use it.
	tm.typ("setns " + pin[:len(pin)-3] + "\t\r")
	tm.expect("nsh[net]# ")
	tm.typ("readlink /proc/self/ns/net\r")
	var st unix.Stat_t
	if err := unix.Stat(pin, &st); err != nil {
		t.Fatal(err)
	}
	tm.expect(fmt.Sprintf("net:[%d]", st.Ino))
}

func TestPTYColourPrompt(t *testing.T) {
	tm := startTerm(t, "NO_COLOR=", "NSH_PROMPT=%s> ")
	tm.typ("false\r")
	tm.expect("\x1b[31m1\x1b[0m> ")
}
