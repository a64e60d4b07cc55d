package plugins

import (
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

func TestDiscoveryCachesAndStartsNothing(t *testing.T) {
	dir := pluginDir(t, map[string]string{"test": "test", "whereami": "whereami"})
	h := newTestHost(t, dir)
	// Nothing described yet: NewHost started no process.
	if n := len(h.pids()); n != 0 {
		t.Fatalf("NewHost started %d processes", n)
	}
	if out := h.mustCall("techo", "a", "b c"); !strings.Contains(out, "args=a,b c\nvar=hello") {
		t.Errorf("techo: %q", out)
	}

	// A second host finds both plugins' commands in the cache and starts
	// nothing until a command is used.
	h2 := NewHost(h.ctx, h.env, nil)
	defer h2.Close()
	h2.discover()
	h2.mu.Lock()
	_, ok1 := h2.cmds["techo"]
	_, ok2 := h2.cmds["nsinode"]
	idle := len(h2.pool.idle)
	h2.mu.Unlock()
	if !ok1 || !ok2 || idle != 0 {
		t.Fatalf("from the cache: techo %v, nsinode %v, %d processes", ok1, ok2, idle)
	}

	// A changed file (mtime) is described again.
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(filepath.Join(dir, Prefix+"whereami"), later, later); err != nil {
		t.Fatal(err)
	}
	h3 := NewHost(h.ctx, h.env, nil)
	defer h3.Close()
	h3.discover()
	h3.mu.Lock()
	_, ok := h3.cmds["nsinode"]
	h3.mu.Unlock()
	if ok {
		t.Fatal("a changed plugin was taken from the cache")
	}
	if _, ok := h3.lookup("nsinode"); !ok {
		t.Fatal("the changed plugin was not described again")
	}
}

func TestPluginRunsInTheContext(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test", "whereami": "whereami"}))
	homeNet := nsInode(t, "/proc/self/ns/net")
	if got := strings.TrimSpace(h.mustCall("nsinode", "net")); got != homeNet {
		t.Fatalf("at home the plugin's netns is %s, want %s", got, homeNet)
	}
	homePid := h.pid()

	if err := h.ctx.Unshare([]nsfs.Kind{nsfs.Net, nsfs.UTS}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	st, _ := h.ctx.Status()
	want := strconv.FormatUint(st.Cur[nsfs.Net].Ino, 10)
	if got := strings.TrimSpace(h.mustCall("nsinode", "net")); got != want || got == homeNet {
		t.Fatalf("after unshare net the plugin's netns is %s, want %s", got, want)
	}
	if err := h.ctx.Do(func() error { return unix.Sethostname([]byte("plugtest")) }); err != nil {
		t.Fatal(err)
	}
	if out := h.mustCall("whereami"); !strings.Contains(out, "hostname plugtest\n") {
		t.Fatalf("whereami in the new uts namespace:\n%s", out)
	}
	newPid := h.pid()
	if newPid == homePid {
		t.Fatal("the same process served two contexts")
	}

	// Back home: the pooled home process serves again, it is not restarted.
	if err := h.ctx.GoHome(); err != nil {
		t.Fatal(err)
	}
	if got := h.pid(); got != homePid {
		t.Errorf("back home the call ran in %d, want the pooled %d", got, homePid)
	}
	if got := strings.TrimSpace(h.mustCall("nsinode", "net")); got != homeNet {
		t.Errorf("back home the plugin's netns is %s", got)
	}
}

// In a mount namespace where /tmp is another file system, the plugin file
// and go-plugin's socket directory are invisible at the host's paths: the
// host executes the file through an fd and dials via /proc/PID/root.
func TestPluginInOtherMountNamespace(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"whereami": "whereami"}))
	if err := h.ctx.Unshare([]nsfs.Kind{nsfs.Mnt}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	err := h.ctx.Do(func() error { return unix.Mount("nshtest", "/tmp", "tmpfs", 0, "size=1m") })
	if err != nil {
		t.Fatal(err)
	}
	out := h.mustCall("whereami")
	st, _ := h.ctx.Status()
	if want := "mnt      " + strconv.FormatUint(st.Cur[nsfs.Mnt].Ino, 10) + "\n"; !strings.Contains(out, want) {
		t.Fatalf("whereami: want %q in\n%s", want, out)
	}
	h.mu.Lock()
	translated := false
	for _, list := range h.pool.idle {
		for _, pr := range list {
			translated = translated || pr.run.translate
		}
	}
	h.mu.Unlock()
	if !translated {
		t.Error("the socket address was not translated")
	}
	if _, err := os.Stat(h.plugins[0].Path); err != nil {
		t.Fatalf("the host lost sight of the plugin: %v", err)
	}
}

// A dynamically linked plugin in a mount namespace without its loader (a
// container's filesystem): the error names the loader and the fix, not
// /proc.
func TestPluginWithoutItsLoader(t *testing.T) {
	pdir := pluginDir(t, map[string]string{"whereami": "whereami"})
	h := newTestHost(t, pdir)
	f, err := elf.Open(filepath.Join(pdir, "nsh-plugin-whereami"))
	if err != nil {
		t.Fatal(err)
	}
	var interp string
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, _ := io.ReadAll(p.Open())
			interp = strings.TrimRight(string(b), "\x00")
		}
	}
	f.Close()
	if interp == "" {
		t.Fatal("the test plugin is static: this test needs one built with cgo")
	}
	if err := h.ctx.Unshare([]nsfs.Kind{nsfs.Mnt}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(interp)
	if err := h.ctx.Do(func() error { return unix.Mount("nshtest", dir, "tmpfs", 0, "size=1m") }); err != nil {
		t.Fatal(err)
	}
	_, _, err = h.call("", "whereami")
	if err == nil || !strings.Contains(err.Error(), "its loader "+interp+" is not in the context's filesystem") || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Errorf("call without the loader: %v", err)
	}
}

func TestStreamsAndStatus(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	out, errOut, err := h.call("line one\nline two\n", "tcat")
	if err != nil || out != "line one\nline two\n" || !strings.Contains(errOut, "copied 18 bytes (<nil>)") {
		t.Fatalf("tcat: %q %q %v", out, errOut, err)
	}
	out, errOut, _ = h.call("", "techo")
	if !strings.Contains(out, "var=hello") || errOut != "to stderr\n" {
		t.Errorf("techo: %q %q", out, errOut)
	}
	_, _, err = h.call("", "tstatus", "7")
	if command.Status(err) != 7 || !strings.HasPrefix(err.Error(), "tstatus: ") {
		t.Errorf("tstatus 7: %v (status %d)", err, command.Status(err))
	}
	out, _, _ = h.call("", "ttty")
	if out != "stdin=false stdout=false stderr=false size=0x0\n" {
		t.Errorf("ttty: %q", out)
	}
	_, errOut, err = h.call("", "tpanic")
	if command.Status(err) != 70 || !strings.Contains(errOut, "panic: oops") {
		t.Errorf("tpanic: %v %q", err, errOut)
	}
	h.mustCall("techo") // a panicking command does not take the plugin down
}

// A writer that sends the test process SIGINT once it sees a word: the
// output arrived while the command was still running, and Ctrl-C reaches
// the plugin as a cancelled context.
type interruptAt struct {
	word string
	buf  strings.Builder
	sent bool
}

func (w *interruptAt) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if !w.sent && strings.Contains(w.buf.String(), w.word) {
		w.sent = true
		syscall.Kill(os.Getpid(), syscall.SIGINT)
	}
	return len(p), nil
}

func (h *testHost) callWriter(w *interruptAt, args ...string) error {
	env := &command.Env{Stdin: strings.NewReader(""), Stdout: w, Stderr: w, Ctx: h.ctx, Shell: &fakeShell{env: h.env}}
	return h.Handler(nil)(env, args)
}

// killAt kills a process once it sees a word in the output.
type killAt struct {
	word string
	pid  int
	buf  strings.Builder
}

func (w *killAt) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if w.pid != 0 && strings.Contains(w.buf.String(), w.word) {
		syscall.Kill(w.pid, syscall.SIGKILL)
		w.pid = 0
	}
	return len(p), nil
}

// openPty returns the two ends of a new pseudo-terminal of the given size.
func openPty(t *testing.T, rows, cols uint16) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		t.Fatal(err)
	}
	return m, s
}

func TestTerminalInfo(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	m, tty := openPty(t, 40, 100)
	var errOut strings.Builder
	env := &command.Env{Stdin: strings.NewReader(""), Stdout: tty, Stderr: &errOut, Ctx: h.ctx, Shell: &fakeShell{env: h.env}}
	if err := h.Handler(nil)(env, []string{"ttty"}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 200)
	n, _ := m.Read(buf)
	if got := strings.TrimSpace(string(buf[:n])); got != "stdin=false stdout=true stderr=false size=40x100" {
		t.Errorf("ttty on a terminal: %q", got)
	}
	// What is not a terminal is remembered; a terminal's size is asked
	// at every call, since it changes.
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, rows := range []uint16{41, 42} {
		if err := unix.IoctlSetWinsize(int(tty.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: 90}); err != nil {
			t.Fatal(err)
		}
		env.Stdin, env.Stdout = file, file
		if err := h.Handler(nil)(env, []string{"ttty"}); err != nil {
			t.Fatal(err)
		}
		env.Stdin, env.Stdout = strings.NewReader(""), tty
		if err := h.Handler(nil)(env, []string{"ttty"}); err != nil {
			t.Fatal(err)
		}
		n, _ := m.Read(buf)
		if got, want := strings.TrimSpace(string(buf[:n])), fmt.Sprintf("stdin=false stdout=true stderr=false size=%dx90", rows); got != want {
			t.Errorf("ttty after a resize: %q, want %q", got, want)
		}
	}
	b, _ := os.ReadFile(file.Name())
	if want := strings.Repeat("stdin=false stdout=false stderr=false size=0x0\n", 2); string(b) != want {
		t.Errorf("ttty to a file: %q, want %q", b, want)
	}
}

func TestInterruptCancelsTheCall(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	pid := h.pid()
	w := &interruptAt{word: "tick 2"}
	err := h.callWriter(w, "tslow")
	if command.Status(err) != 130 || !strings.HasSuffix(w.buf.String(), "cancelled\n") {
		t.Fatalf("tslow: %v, output %q", err, w.buf.String())
	}
	if h.pid() != pid {
		t.Error("a command that honoured Ctrl-C cost its process")
	}
}

func TestHangIsKilledAfterGrace(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	h.Grace = 200 * time.Millisecond
	pid := h.pid()
	err := h.callWriter(&interruptAt{word: "hanging"}, "thang")
	if command.Status(err) != 130 || !strings.Contains(err.Error(), "did not stop within 200ms: killed") {
		t.Fatalf("thang: %v", err)
	}
	waitGone(t, pid)
	if h.pid() == pid {
		t.Error("the killed process was reused")
	}
}

func TestFaults(t *testing.T) {
	dir := pluginDir(t, map[string]string{"test": "test", "garbage": "test", "mute": "test"})
	h := newTestHost(t, dir)
	h.StartTimeout = time.Second

	for _, c := range []struct{ cmd, want string }{
		{"tcrash", "deliberate crash"},
		{"texit", "testplugin: exiting mid-call"},
	} {
		pid := h.pid()
		out, _, err := h.call("", c.cmd)
		if err == nil || !strings.Contains(err.Error(), "plugin test failed: ") ||
			!strings.Contains(err.Error(), c.want) || !strings.Contains(out, "about to crash") && c.cmd == "tcrash" {
			t.Errorf("%s: %v (stdout %q)", c.cmd, err, out)
		}
		waitGone(t, pid)
		if got := h.pid(); got == pid {
			t.Errorf("after %s the dead process %d was reused", c.cmd, pid)
		}
	}

	// Killed from another shell in the middle of a call.
	pid := h.pid()
	kill := &killAt{word: "tick 1", pid: pid}
	err := h.Handler(nil)(&command.Env{Stdout: kill, Stderr: kill, Ctx: h.ctx, Shell: &fakeShell{env: h.env}}, []string{"tslow"})
	if err == nil || !strings.Contains(err.Error(), "plugin test failed: ") || !strings.Contains(err.Error(), "killed by signal 9") {
		t.Errorf("plugin killed mid-call: %v", err)
	}
	waitGone(t, pid)
	h.mustCall("techo")

	for name, want := range map[string]string{
		"garbage": `bad handshake: it printed "hello, I am not a plugin"`,
		"mute":    "no handshake within 1s",
	} {
		p := &Plugin{Name: name, Path: filepath.Join(dir, Prefix+name)}
		_, err := h.start(h.ctx, p, h.env)
		if err == nil || !strings.Contains(err.Error(), "plugin "+name+" failed to start: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A broken plugin is reported in the list, the others still work.
	var garbage command.PluginInfo
	for _, i := range h.List() {
		if i.Name == "garbage" {
			garbage = i
		}
	}
	if !strings.HasPrefix(garbage.Err, "broken: ") {
		t.Errorf("plugin list for garbage: %+v", garbage)
	}
	// The failure is cached: the next shell does not start it again.
	h2 := NewHost(h.ctx, h.env, nil)
	defer h2.Close()
	h2.discover()
	for _, p := range h2.plugins {
		if p.Name == "garbage" && (p.broken == nil || !strings.Contains(p.broken.Error(), "bad handshake")) {
			t.Errorf("garbage in a new host: %v", p.broken)
		}
	}
	h.mustCall("techo")
}

func TestTrust(t *testing.T) {
	dir := pluginDir(t, map[string]string{"test": "test"})
	file := filepath.Join(dir, Prefix+"test")
	if err := checkErr(file); err != nil {
		t.Fatalf("a private plugin was refused: %v", err)
	}
	os.Chmod(file, 0o777)
	if err := checkErr(file); err == nil || !strings.Contains(err.Error(), "writable by others") {
		t.Errorf("world-writable file: %v", err)
	}
	os.Chmod(file, 0o755)
	os.Chmod(dir, 0o775)
	if err := checkErr(file); err == nil || !strings.Contains(err.Error(), "directory "+dir+" is writable by its group") {
		t.Errorf("group-writable directory: %v", err)
	}
	os.Chmod(dir, 0o700)
	os.Chown(file, 4242, 4242)
	if err := checkErr(file); err == nil || !strings.Contains(err.Error(), "owned by uid 4242") {
		t.Errorf("file owned by someone else: %v", err)
	}
	os.Chown(file, 0, 0)

	h := newTestHost(t, dir)
	h.mustCall("techo")
	h.stopAll(func(poolKey) bool { return true }) // the next call starts a process
	os.Chmod(file, 0o757)
	if _, err := h.Load(file); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Errorf("plugin load of a world-writable file: %v", err)
	}
	if _, _, err := h.call("", "techo"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("a call to a plugin made world-writable: %v", err)
	}
}

func TestLoadUnloadList(t *testing.T) {
	h := newTestHost(t, t.TempDir())
	src := pluginDir(t, map[string]string{"test": "test", "whereami": "whereami"})
	info, err := h.Load(filepath.Join(src, Prefix+"test"))
	if err != nil || info.Name != "test" || info.Version != "0.1.0" || info.Shadowed["cd"] != "builtin" {
		t.Fatalf("load: %+v %v", info, err)
	}
	if _, err := h.Load(filepath.Join(src, Prefix+"test")); err == nil {
		t.Error("loading a plugin twice worked")
	}
	pid := h.pid()
	if err := h.Unload("test"); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	if _, ok := h.lookup("techo"); ok {
		t.Error("an unloaded plugin's command is still found")
	}
	if err := h.Unload("test"); err == nil {
		t.Error("unloading twice worked")
	}
}

func TestClashBetweenPlugins(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"a": "test", "b": "test"}))
	for _, i := range h.List() {
		want := map[string]string{"a": "", "b": "plugin a"}[i.Name]
		if i.Shadowed["techo"] != want || i.Shadowed["cd"] != "builtin" {
			t.Errorf("plugin %s: shadowed %v", i.Name, i.Shadowed)
		}
	}
}

func TestIdleProcessesStop(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	h.IdleTimeout = 100 * time.Millisecond
	pid := h.pid()
	waitGone(t, pid)
	if got := h.pid(); got == pid {
		t.Error("an expired process was reused")
	}
}

func TestCompleteAndCommands(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"netinfo": "netinfo", "test": "test"}))
	got, _ := h.Complete("netinfo", []string{""}, nil)
	if len(got) == 0 || got[0] != "lo" && !contains(got, "lo") {
		t.Errorf("netinfo completion: %v", got)
	}
	var names []string
	for _, c := range h.Commands() {
		names = append(names, c.Name)
	}
	if !contains(names, "netinfo") || contains(names, "cd") {
		t.Errorf("commands: %v", names)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// checkErr is what openPlugin says of path.
func checkErr(path string) error {
	f, _, err := openPlugin(path)
	if err == nil {
		f.Close()
	}
	return err
}

// A command word with a slash names a file (as it is never looked up in
// PATH) and no plugin command has one (validName): the host answers for
// it at once, without finding the plugins, so that 'nsh -c /bin/true'
// reads no plugin directory and the shell keeps the program on its
// thread (Settled is what lang's placement asks).
func TestPathWordIsNoPlugin(t *testing.T) {
	h := newTestHost(t, t.TempDir())
	if plugin, settled := h.Settled("/bin/true"); plugin || !settled {
		t.Errorf("Settled(/bin/true) before discovery = %v, %v; want false, true", plugin, settled)
	}
	ran := false
	next := func(env *command.Env, args []string) error { ran = true; return nil }
	if err := h.Handler(next)(&command.Env{}, []string{"./bin/x"}); err != nil || !ran {
		t.Errorf("./bin/x: %v, next ran %v", err, ran)
	}
	if h.Has("/bin/true") || h.Unusable("/bin/true") != nil {
		t.Error("/bin/true is a plugin command or an unusable plugin")
	}
	if h.discoveredDone.Load() {
		t.Error("a path word made the host find its plugins")
	}
}
