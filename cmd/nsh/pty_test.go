package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
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
	return startNsh(t, t.TempDir(), []string{"--norc"}, env...)
}

// startNsh starts nsh on a new pseudo-terminal with HOME (and the history)
// in home.
func startNsh(t *testing.T, home string, args []string, env ...string) *term {
	t.Helper()
	nsh, err := exec.LookPath("nsh") // testscript.Main put it in PATH
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nsh, args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_STATE_HOME="+home, "TERM=xterm", "NO_COLOR=1", "NSH_PROMPT=")
	for _, kv := range env {
		if name, ok := strings.CutPrefix(kv, "!"); ok {
			// !NAME takes NAME out of the environment.
			cmd.Env = slices.DeleteFunc(cmd.Env, func(e string) bool { return strings.HasPrefix(e, name+"=") })
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
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

// say types typed and waits for want. The terminal echoes what is
// typed, so want must not be part of it: the test would go on before
// the command ran (and a key typed then reaches nsh in the wrong mode).
func (tm *term) say(typed, want string) {
	tm.t.Helper()
	if strings.Contains(typed, want) {
		tm.t.Fatalf("say(%q, %q) would match the echo of what it types", typed, want)
	}
	tm.typ(typed)
	tm.expect(want)
}

// all is everything the terminal showed so far.
func (tm *term) all() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
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

// atPrompt waits until nsh reads the terminal at its prompt: it owns
// the terminal and readline has it in raw mode. A control key typed
// ahead while the terminal is still in cooked mode would be taken by the
// line discipline (^D as end-of-file) instead of reaching readline.
func (tm *term) atPrompt() {
	tm.t.Helper()
	tm.waitMode(false, "nsh never came back to its prompt")
}

// waitMode waits until nsh owns the terminal in cooked (a builtin runs)
// or raw mode (readline reads the prompt).
func (tm *term) waitMode(cooked bool, failure string) {
	tm.t.Helper()
	deadline := time.Now().Add(patience)
	for time.Now().Before(deadline) {
		fd := int(tm.ptmx.Fd())
		pgrp, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
		t, err2 := unix.IoctlGetTermios(fd, unix.TCGETS) // the slave's
		if err == nil && err2 == nil && pgrp == tm.cmd.Process.Pid && (t.Lflag&unix.ICANON != 0) == cooked {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm.t.Fatal(failure)
}

// wait waits for nsh to exit, for a while: a shell that does not exit
// fails the test instead of hanging it.
func (tm *term) wait() error {
	tm.t.Helper()
	done := make(chan error, 1)
	go func() { done <- tm.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(patience):
		tm.mu.Lock()
		s := tm.out.String()[tm.seen:]
		tm.mu.Unlock()
		tm.t.Fatalf("nsh did not exit; the terminal shows:\n%q", s)
		return nil
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
	tm.say("hel\t\r", "nsh builtins")
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
	tm.say("echo alive $?\r", "alive 130")
	if err := unix.Kill(pgrp, 0); err == nil {
		t.Errorf("sleep (%d) survived Ctrl-C", pgrp)
	}
	// Ctrl-C at the prompt clears the line; nsh stays.
	tm.atPrompt()
	tm.typ("echo never\x03")
	tm.say("echo still' 'here\r", "still here")
}

func TestPTYStopAndFg(t *testing.T) {
	tm := startTerm(t)
	tm.sleep()
	tm.say("\x1a", "Stopped")
	tm.say("jobs\r", "[1]+  Stopped   sleep 1000")
	// bg shows it with &, as bash does, and jobs keeps it so.
	tm.say("bg\r", "[1]+ sleep 1000 &")
	tm.say("jobs\r", "Running   sleep 1000 &")
	tm.typ("fg\r")
	tm.waitForeground("sleep")
	tm.typ("\x03")
	tm.say("echo back $?\r", "back 130")
}

func TestPTYExitWarnsAboutJobs(t *testing.T) {
	tm := startTerm(t)
	tm.say("sleep 1000 &\r", "[1] ")
	tm.say("exit\r", "there are jobs (1 running")
	tm.say("echo stay''ed\r", "stayed")
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
	tm.say("unshare net\r", "nsh[net]# ")
	tm.say("home\r", "nsh# ")
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
	tm := startTerm(t, "!NO_COLOR", "NSH_PROMPT=%s> ")
	tm.say("false\r", "\x1b[31m1\x1b[0m> ")
	// Setting NO_COLOR, even empty, turns colour off at once.
	tm.say("NO_COLOR=\r", "> ")
	tm.say("false\r", " 1> ")
}

func TestPTYCtrlDAsksWhenJobsRun(t *testing.T) {
	tm := startTerm(t)
	tm.say("sleep 1000 &\r", "[1] ")
	tm.atPrompt()
	tm.say("\x04", "there are jobs")
	tm.say("kill %1; wait; echo wait''ed\r", "waited")
	tm.atPrompt()
	tm.typ("\x04")
	if err := tm.wait(); err != nil {
		t.Errorf("nsh after Ctrl-D: %v", err)
	}
}

func TestPTYTerminalModesRestored(t *testing.T) {
	tm := startTerm(t)
	// A program that leaves the terminal without echo, as a crashed
	// full-screen program would; the next program must find it sane.
	tm.typ("stty -echo\r")
	tm.say("stty -a | tr ' ' '\\n' | grep -x -e echo -e -echo | sed s/^/mode:/\r", "mode:echo")
}

func TestPTYRCAndHistory(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".nshrc"), []byte("FROMRC=loaded\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tm := startNsh(t, home, nil)
	tm.say("echo rc:$FROMRC\r", "rc:loaded")
	tm.typ("echo one\r")
	tm.typ("echo one\r")
	tm.typ(" echo secret\r")
	tm.say("echo two | tr a-z A-Z\r", "TWO")
	tm.typ("exit\r")
	if err := tm.wait(); err != nil {
		t.Errorf("nsh after exit: %v", err)
	}
	hist, err := os.ReadFile(filepath.Join(home, "nsh", "history"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(hist), "echo rc:$FROMRC\necho one\necho two | tr a-z A-Z\nexit\n"; got != want {
		t.Errorf("history %q, want %q", got, want)
	}

	// --norc skips it.
	tm = startNsh(t, home, []string{"--norc"})
	tm.say("echo rc:[$FROMRC]\r", "rc:[]")
}

func TestPTYContinuationPrompt(t *testing.T) {
	tm := startTerm(t)
	tm.say("echo 'a\r", "> ")
	tm.say("b' | tr a-z A-Z\r", "A\r\nB")
}

// A background job that reads the terminal stops (SIGTTIN), and nsh
// says so at the next prompt.
func TestPTYBackgroundReadStops(t *testing.T) {
	tm := startTerm(t)
	tm.say("cat &\r", "[1] ")
	tm.say("wait %1 || echo waited $?\r", "waited 149")
	tm.say("jobs\r", "Stopped   cat &")
	tm.typ("kill -9 %1\r")
}

// spawn bash inside a context works as from bash: bash runs its own job
// control on the terminal and gives it back when it exits.
func TestPTYSpawnBashInContext(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireTool(t, "bash")
	tm := startTerm(t, "NSH_PROMPT=nsh%k%$ ")
	tm.say("unshare net\r", "nsh[net]# ")
	tm.typ("spawn bash --norc --noprofile\r")
	tm.waitForeground("bash")
	tm.say("PS1='inbash$ '; echo links: $(ip -o link | wc -l)\r", "links: 1")
	tm.typ("sleep 1000\r")
	tm.waitForeground("sleep")
	tm.typ("\x03")
	tm.say("echo bash got $?\r", "bash got 130")
	tm.say("exit\r", "nsh[net]# ")
	tm.say("echo nsh is' 'back\r", "nsh is back")
}

// Bad input at the prompt: one error each, and nsh carries on.
func TestPTYBadInputCarriesOn(t *testing.T) {
	tm := startTerm(t)
	tm.say("| x\r", "nsh: syntax error: `|` can only immediately follow a statement")
	tm.say("echo a > /\r", "nsh: cannot redirect > /: is a directory")
	tm.say("fg %7\r", "nsh: fg: %7: no such job")
	tm.say("echo \xff\xfejunk | tr a-z A-Z\r", "JUNK")
	tm.say("echo "+strings.Repeat("x", 1000)+" | wc -c\r", "1001")
	tm.say("echo still alive | tr a-z A-Z\r", "STILL ALIVE")
}

// A Ctrl-D typed ahead while a command runs reaches readline as a NUL
// byte (the kernel's end-of-file marker, left over from cooked mode), and
// so does Ctrl-Space at the prompt. Neither ends nsh; a Ctrl-D at the
// prompt does, at once.
func TestPTYNulIsNotEndOfInput(t *testing.T) {
	tm := startTerm(t)
	tm.typ("sleep 1\r")
	tm.waitForeground("sleep")
	tm.typ("\x04")
	tm.atPrompt()
	tm.typ("\x00")
	tm.say("echo a''live\r", "alive")
	tm.atPrompt()
	tm.typ("\x04")
	if err := tm.wait(); err != nil {
		t.Errorf("nsh after Ctrl-D: %v", err)
	}
}

// $(...) at the prompt (the interactive shell runs off the context
// thread): a pipeline inside runs, and a hop inside is undone.
func TestPTYSubstitution(t *testing.T) {
	nstest.RequireRoot(t)
	tm := startTerm(t, "NSH_PROMPT=nsh%k%$ ")
	tm.say("unshare net\r", "nsh[net]# ")
	tm.say("echo [$(home; echo a b | tr a-z A-Z)]\r", "[A B]")
	tm.expect("nsh[net]# ")
	tm.say("x=$(sleep 0.1; echo late); echo got $x | tr a-z A-Z\r", "GOT LATE")
}

// A for loop typed over several lines: the continuation prompt asks for
// the rest, and the loop runs once it is complete.
func TestPTYForLoop(t *testing.T) {
	tm := startTerm(t)
	tm.say("for i in a b; do\r", "> ")
	tm.say("echo x$i | tr a-z A-Z\r", "> ")
	tm.say("done\r", "XA")
	tm.expect("XB")
}

// An if and a while typed over several lines continue at the "> " prompt
// and run once complete.
func TestPTYIfWhile(t *testing.T) {
	tm := startTerm(t)
	tm.say("if false\r", "> ")
	tm.say("then echo no\r", "> ")
	tm.say("else echo yes | tr a-z A-Z\r", "> ")
	tm.say("fi\r", "YES")
	tm.atPrompt()
	tm.say("while true; do\r", "> ")
	tm.say("echo loop | tr a-z A-Z; break\r", "> ")
	tm.say("done\r", "LOOP")
}

// With job control, a background list whose programs start through the
// helper (a new time namespace) runs them all, though the first, which
// founded the job's process group, is gone when the second starts; and a
// failing stage of a pipeline at the prompt is not told as a line of a
// file sourced before.
func TestPTYJobThroughHelper(t *testing.T) {
	tm := startTerm(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "one.nsh"), []byte("true\n"), 0o644)
	tm.typ("unshare time\r")
	tm.atPrompt()
	tm.say("true && sleep 0.2 && /bin/echo jobout | tr a-z A-Z &\r", "[1] ")
	tm.atPrompt()
	tm.typ("wait $! && echo done | tr a-z A-Z\r")
	tm.expect("JOBOUT")
	tm.expect("DONE")
	tm.atPrompt()
	tm.typ("source " + filepath.Join(dir, "one.nsh") + "\r")
	tm.atPrompt()
	tm.say("nosuchprog-nsh | cat\r", "nsh: nosuchprog-nsh: command not found")
}

// A Ctrl-C that stopped a builtin (wait) leaves nothing behind: the next
// commands, a loop among them, run whole.
func TestPTYStaleCtrlC(t *testing.T) {
	tm := startTerm(t)
	tm.say("sleep 30 &\r", "[1] ")
	tm.atPrompt()
	tm.typ("wait\r")
	// wait runs once the terminal is back in cooked mode (readline left
	// raw mode): a Ctrl-C then is a signal to nsh, not a key.
	tm.waitMode(true, "wait never ran")
	time.Sleep(50 * time.Millisecond) // into wait's own wait
	tm.typ("\x03")
	tm.atPrompt()
	tm.typ("true\r")
	tm.atPrompt()
	tm.say("for i in a b c; do echo x$i | tr a-z A-Z; done; echo done$? | tr a-z A-Z\r", "DONE0")
	if out := tm.all(); !strings.Contains(out, "XC") {
		t.Errorf("the loop was cut short:\n%q", out)
	}
	tm.typ("kill %1\r")
}

// At the prompt too, a failed setns abandons the rest of its line (the
// next command would run on the host), unless its status is tested; the
// next line runs as usual.
func TestPTYFailedSetnsEndsLine(t *testing.T) {
	tm := startTerm(t)
	tm.say("setns /nonexistent; echo rest | tr a-z A-Z\r", "nsh: setns: /nonexistent")
	tm.atPrompt()
	tm.say("setns /nonexistent || echo tested | tr a-z A-Z\r", "TESTED")
	tm.atPrompt()
	tm.say("echo next | tr a-z A-Z\r", "NEXT")
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if strings.Contains(tm.out.String(), "REST") {
		t.Errorf("the rest of the line ran after a failed setns:\n%q", tm.out.String())
	}
}

// Ctrl-Z at the prompt does nothing (as in bash), and nsh reads the
// terminal only at its prompt: the lines typed into the foreground
// programs that follow are theirs, and none is run by nsh later.
func TestPTYCtrlZAtPromptStealsNothing(t *testing.T) {
	tm := startTerm(t)
	tm.atPrompt()
	tm.typ("\x1a")
	tm.atPrompt()
	tm.typ("cat\r")
	tm.waitForeground("cat")
	tm.typ("first-4\r")
	tm.expect("first-4\r\nfirst-4") // the echo, then cat's copy
	tm.typ("\x04")
	tm.atPrompt()
	tm.typ(`sh -c 'read x; echo got:$x'` + "\r")
	tm.waitForeground("sh")
	tm.say("line-2\r", "got:line-2")
	tm.atPrompt()
	if _, err := exec.LookPath("less"); err == nil {
		tm.typ("echo paged | less\r")
		tm.waitForeground("less")
		tm.typ("q")
		tm.atPrompt()
	}
	if _, err := exec.LookPath("vi"); err == nil {
		tm.typ("vi -u NONE -c 'set nocp'\r")
		tm.waitForeground("vi")
		tm.typ("\x1b:q!\r")
		tm.atPrompt()
	}
	tm.say("echo still''here\r", "stillhere")
	if out := tm.all(); strings.Contains(out, "not found") {
		t.Errorf("nsh ran a line typed into a program:\n%q", out)
	}
}

// completed types a line, Tab-completes it, and runs it as echo's
// arguments (Ctrl-A goes to the start of the line): it returns nothing,
// but waits for echo to print want, so the line as completed is seen.
func (tm *term) completed(typed, want string) {
	tm.t.Helper()
	tm.atPrompt()
	tm.typ(typed)
	time.Sleep(100 * time.Millisecond) // completion is drawn before the next key
	tm.typ("\x01echo \r")
	tm.expect("\n" + want + "\r\n")
}

// Completion of job specs offers each job once, and pin and unpin
// complete paths (pin DIR, pin KIND PATH, unpin PATH...).
func TestPTYCompleteJobsAndPinPaths(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "labdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	tm := startTerm(t)
	tm.say("sleep 1000 &\r", "[1] ")
	tm.completed("fg \t\t", "fg %1")
	tm.completed("pin "+dir+"/lab\t", "pin "+dir+"/labdir/")
	tm.completed("pin net "+dir+"/lab\t", "pin net "+dir+"/labdir/")
	tm.completed("unpin "+dir+"/x "+dir+"/lab\t", "unpin "+dir+"/x "+dir+"/labdir/")
	tm.completed("pin ne\t", "pin net")
	tm.typ("kill %1\r")
}

// A prompt of several lines draws its first lines once, not at every
// key; %u names the user from the uid when $USER is unset.
func TestPTYMultiLinePrompt(t *testing.T) {
	tm := startTerm(t, "!USER", "NSH_PROMPT=top-%u%n> ")
	want := "top-root"
	if u, err := user.Current(); err == nil {
		want = "top-" + u.Username
	}
	tm.expect(want + "\r\n")
	tm.expect("> ")
	tm.say("echo typed | tr a-z A-Z\r", "TYPED")
	tm.expect(want + "\r\n")
	tm.atPrompt()
	if n := strings.Count(tm.all(), "top-"); n != 2 {
		t.Errorf("the prompt's first line was drawn %d times for 2 prompts", n)
	}
}
