package plugins

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/command"
)

// What a plugin prints on os.Stdout during a call reaches the call's
// stdout, in order; what it writes on os.Stderr is in its log, which
// plugin log shows and a failure points to.
func TestPluginStdoutAndLog(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	if out := h.mustCall("tprint"); out != "one\ntwo\nthree\nfour\n" {
		t.Errorf("tprint: %q", out)
	}
	h.mustCall("tlog", "x")
	_, errOut, err := h.call("", "tcrash")
	if err == nil || !strings.Contains(err.Error(), "plugin log test shows more") {
		t.Errorf("tcrash: %v (stderr %q)", err, errOut)
	}
	path, text, err := h.Log("test", 100)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, "/nsh/plugins/test.log") {
		t.Errorf("log path %s", path)
	}
	for _, want := range []string{"testplugin: a line for the log [x]", "testplugin: crashing on purpose", "panic: deliberate crash", "goroutine "} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in the log:\n%s", want, text)
		}
	}
	if _, _, err := h.Log("nosuch", 10); err == nil {
		t.Error("a log for no plugin")
	}
}

// RunE's errors and statuses, the flags helper and LookupEnv.
func TestRunEFlagsAndEnv(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	h.env = append(h.env, "EMPTY=")
	if out := h.mustCall("tflags", "-n", "2", "EMPTY", "UNSET"); out != "n 0\nn 1\nEMPTY=\"\" set=true\nUNSET=\"\" set=false\n" {
		t.Errorf("tflags: %q", out)
	}
	for _, c := range []struct {
		args   []string
		status int
		stderr string
	}{
		{[]string{"tflags", "-fail", "no route"}, 1, "tflags: no route\n"},
		{[]string{"tflags", "-exit", "4"}, 4, "tflags: exiting as asked\n"},
		{[]string{"tflags", "-bogus"}, 2, "flag provided but not defined: -bogus\nusage: tflags [-n N] [-fail MSG] [-exit CODE] [VAR]\n"},
		{[]string{"tflags", "--help"}, 0, "usage: tflags [-n N] [-fail MSG] [-exit CODE] [VAR]\n"},
	} {
		_, errOut, err := h.call("", c.args...)
		if command.Status(err) != c.status || !strings.HasPrefix(errOut, c.stderr) {
			t.Errorf("%v: status %d, stderr %q; want %d, %q", c.args, command.Status(err), errOut, c.status, c.stderr)
		}
	}
}

// A plugin that does not take nsh's cookie is told apart from one that
// prints junk, and the message says what nsh sets; in the next session
// its name says it is unusable, until plugin rescan.
func TestCookieMismatchAndUnusable(t *testing.T) {
	dir := pluginDir(t, map[string]string{"cookie": "test"})
	h := newTestHost(t, dir)
	want := "the handshake cookie did not match: nsh starts a plugin with NSH_PLUGIN_COOKIE=nsh-namespace-shell-plugin and PLUGIN_PROTOCOL_VERSIONS=1"
	if h.Has("tpid") {
		t.Fatal("a plugin with another cookie ran")
	}
	if !strings.Contains(h.warn.String(), want) {
		t.Errorf("discovery said %q", h.warn.String())
	}
	next := NewHost(h.ctx, h.env, nil) // the next session: from the cache
	defer next.Close()
	for _, host := range []*Host{h.Host, next} {
		err := host.Handler(func(*command.Env, []string) error { return nil })(&command.Env{Shell: &fakeShell{env: h.env}}, []string{"cookie"})
		if err == nil || !strings.Contains(err.Error(), "cookie: plugin nsh-plugin-cookie is unusable: plugin cookie failed to start: the handshake cookie did not match") ||
			!strings.HasSuffix(err.Error(), "(fix it and run 'plugin rescan')") || command.Status(err) != 127 {
			t.Errorf("running it: %v", err)
		}
	}
	// Fixed (here: replaced by a good plugin), rescan finds it at once.
	b, _ := os.ReadFile(filepath.Join(built(t), Prefix+"test"))
	os.Remove(filepath.Join(dir, Prefix+"cookie"))
	if err := os.WriteFile(filepath.Join(dir, Prefix+"cookie"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Rename(filepath.Join(dir, Prefix+"cookie"), filepath.Join(dir, Prefix+"good"))
	if err := next.Rescan(); err != nil {
		t.Fatal(err)
	}
	if !next.Has("tpid") || next.Unusable("cookie") != nil {
		t.Error("rescan did not find the fixed plugin")
	}
}

// Run by hand, a plugin says what it is.
func TestPluginRunByHand(t *testing.T) {
	cmd := exec.Command(filepath.Join(built(t), Prefix+"test"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("exit: %v", err)
	}
	if !strings.HasPrefix(string(out), "nsh-plugin-test is an nsh plugin: install it in $NSH_PLUGIN_PATH and run techo, tpid,") {
		t.Errorf("it said %q", out)
	}
}

// A refused plugin does not hide a good one of its name later in the
// path, and says which one is used; a relative entry is refused.
func TestRefusedDoesNotHideAndRelativeEntries(t *testing.T) {
	bad := pluginDir(t, map[string]string{"test": "test"})
	os.Chmod(filepath.Join(bad, Prefix+"test"), 0o777) // others may write it
	good := pluginDir(t, map[string]string{"test": "test"})
	h := newTestHost(t, "relative/dir:"+bad+":"+good)
	if out := h.mustCall("techo", "x"); !strings.HasPrefix(out, "args=x\n") {
		t.Errorf("techo: %q", out)
	}
	for _, want := range []string{
		`nsh: NSH_PLUGIN_PATH entry "relative/dir" is not an absolute path: ignored`,
		"nsh: plugin test refused: ", "(using " + filepath.Join(good, Prefix+"test") + " instead)",
	} {
		if !strings.Contains(h.warn.String(), want) {
			t.Errorf("no %q in %q", want, h.warn.String())
		}
	}
	if l := h.List(); len(l) != 1 || l[0].Path != filepath.Join(good, Prefix+"test") || l[0].Origin != "NSH_PLUGIN_PATH" {
		t.Errorf("plugin list: %+v", l)
	}
}

// Without NSH_PLUGIN_PATH: the user's directory, then the system's.
func TestSearchOrder(t *testing.T) {
	got, _ := searchDirs([]string{"HOME=/home/u"})
	want := []searchDir{{"/home/u/.local/share/nsh/plugins", "user"}, {"/usr/local/lib/nsh/plugins", "local"}, {"/usr/lib/nsh/plugins", "system"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dirs %v, want %v", got, want)
	}
	if !leftover("x.dpkg-new") || leftover("x.y") {
		t.Error("leftover")
	}
	got, _ = searchDirs([]string{"HOME=/home/u", "XDG_DATA_HOME=/d"})
	if got[0].path != "/d/nsh/plugins" || len(got) != 3 {
		t.Errorf("with XDG_DATA_HOME: %v", got)
	}
}
