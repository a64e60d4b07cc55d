package plugins

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// netnsHere moves the test host's context into a new network namespace
// pinned as an ip netns name, holding a veth pair named prefix0/prefix1,
// and returns the name and the namespace's inode.
func netnsHere(t *testing.T, h *testHost, prefix string) (string, uint64) {
	t.Helper()
	ip := nstest.RequireTool(t, "ip")
	name := "nsh-hostapi-" + prefix + "-" + strconv.Itoa(os.Getpid())
	t.Cleanup(func() { nstest.DeleteNetns(name) })
	if err := h.ctx.Unshare([]nsfs.Kind{nsfs.Net}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	if _, err := h.ctx.PinNetns(name); err != nil {
		t.Fatal(err)
	}
	nstest.Output(t, h.ctx.Start, ip, "link", "add", prefix+"0", "type", "veth", "peer", "name", prefix+"1")
	st, _ := h.ctx.Status()
	return name, st.Cur[nsfs.Net].Ino
}

// A command asks the host API where its context is: at home nothing is
// away; after push and a new pinned netns, the netns with its ip netns
// name, the push depth, the cwd and the pin.
func TestHostAPIWhere(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	cwd, _ := h.ctx.Getwd()
	if out := h.mustCall("twhere"); out != "depth=0 cwd="+cwd+"\n" {
		t.Errorf("at home: %q", out)
	}
	if err := h.ctx.Push(); err != nil {
		t.Fatal(err)
	}
	name, ino := netnsHere(t, h, "hapiw")
	want := "depth=1 cwd=" + cwd + "\n" +
		"away net " + strconv.FormatUint(ino, 10) + " names=" + name + " pending=false\n" +
		"pin /run/netns/" + name + " net " + strconv.FormatUint(ino, 10) + "\n"
	if out := h.mustCall("twhere"); out != want {
		t.Errorf("in the netns:\n got %q\nwant %q", out, want)
	}
	// The process keeps its connection: the next call asks no more.
	if out := h.mustCall("twhere"); out != want {
		t.Errorf("again: %q", out)
	}
	// Between calls, nsh does not answer.
	h.mustCall("tlater")
	wantLog := "testplugin: later: the host API: no call of this plugin process is running"
	if !nstest.WaitUntil(func() bool { _, text, _ := h.Log("test", 10); return strings.Contains(text, wantLog) }) {
		_, text, _ := h.Log("test", 10)
		t.Errorf("asked after the call, the log says:\n%s", text)
	}
}

// A call's answer is about the context it started in, though the shell
// moved on meanwhile (as after a background call).
func TestHostAPIKeepsTheCallsContext(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	cwd, _ := h.ctx.Getwd()
	h.mustCall("tpid") // the home process is started, not started by the call below
	out := make(chan string, 1)
	go func() {
		o, errOut, err := h.call("", "twhereslow")
		if err != nil {
			o = fmt.Sprintf("%v: %s", err, errOut)
		}
		out <- o
	}()
	began := func() bool { _, text, _ := h.Log("test", 10); return strings.Contains(text, "twhereslow began") }
	if !nstest.WaitUntil(began) {
		t.Fatal("the call did not begin")
	}
	if err := h.ctx.Unshare([]nsfs.Kind{nsfs.Net}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	if got := <-out; got != "depth=0 cwd="+cwd+"\n" {
		t.Errorf("the call started at home says %q", got)
	}
}

// Where the plugin cannot see go-plugin's socket directory (another /tmp),
// nsh serves the host API on a socket in the plugin's own /tmp, and
// leaves none there.
func TestHostAPIInOtherMountNamespace(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	if err := h.ctx.Unshare([]nsfs.Kind{nsfs.Mnt}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	if err := h.ctx.Do(func() error { return unix.Mount("nshtest", "/tmp", "tmpfs", 0, "size=1m") }); err != nil {
		t.Fatal(err)
	}
	st, _ := h.ctx.Status()
	out := h.mustCall("twhere")
	if want := "away mnt " + strconv.FormatUint(st.Cur[nsfs.Mnt].Ino, 10) + " "; !strings.Contains(out, want) {
		t.Errorf("twhere: no %q in %q", want, out)
	}
	var left []string
	h.ctx.Do(func() error {
		left, _ = filepath.Glob("/tmp/nsh-host-*")
		return nil
	})
	if len(left) != 0 {
		t.Errorf("sockets left in the context's /tmp: %v", left)
	}
}

// Completion runs in the context with the env, the working directory and
// the host API: the fixture completes the links of the context's netns,
// which are not home's, and adds file names only when it asks.
func TestCompleteWithContext(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	env := []string{"TESTVAR=completing"}
	home, files := h.Complete("twhere", []string{""}, env)
	if contains(home, "hapic0") || files || !contains(home, "var=completing") {
		t.Errorf("at home: %v files %v", home, files)
	}
	name, _ := netnsHere(t, h, "hapic")
	cwd, _ := h.ctx.Getwd()
	got, files := h.Complete("twhere", []string{"x", "hapi"}, env)
	for _, want := range []string{"lo", "hapic0", "hapic1", "var=completing", "dir=" + cwd, "netns=" + name} {
		if !contains(got, want) {
			t.Errorf("no %q in %v", want, got)
		}
	}
	if files {
		t.Error("file names added though the plugin did not ask")
	}
	if got, files := h.Complete("twhere", []string{"files"}, env); len(got) != 0 || !files {
		t.Errorf("asking for files: %v %v", got, files)
	}
}

// The host API's listener takes a connection from the plugin's process
// only: another process's is closed, and the plugin's still comes.
func TestHostAPIListenerTakesThePluginOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	pid := os.Getpid() // this test stands for the plugin
	one := &oneConn{Listener: ln, a: &hostAPI{}, pid: pid}
	defer one.Close()
	// Another process connects first (this test binary again, runDialer).
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), dialEnv+"="+path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	got := make(chan net.Conn, 1)
	go func() {
		c, err := one.Accept()
		if err != nil {
			t.Error(err)
		}
		got <- c
	}()
	cmd.Wait()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a := <-got
	if a == nil {
		t.Fatal("no connection")
	}
	defer a.Close()
	if p := peerPid(a); p != pid {
		t.Errorf("took a connection from pid %d, want %d", p, pid)
	}
	if _, err := one.Accept(); err == nil {
		t.Error("a second connection was taken")
	}
}

const dialEnv = "NSH_TEST_DIAL"

// runDialer is the other process of TestHostAPIListenerTakesThePluginOnly:
// it connects to the socket named by $NSH_TEST_DIAL and exits.
func runDialer() bool {
	path, ok := os.LookupEnv(dialEnv)
	if ok {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
		}
	}
	return ok
}
