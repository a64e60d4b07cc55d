package plugins

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/nsh-dev/nsh/internal/nstest"
)

// nshScript runs nsh -c script with the plugins of dir and returns its
// combined output.
func nshScript(t *testing.T, dir, script string) string {
	t.Helper()
	nstest.RequireRoot(t)
	// A script that hangs fails the test, and leaves nothing behind: its
	// plugins die with nsh.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(built(t), "nsh"), "-c", script)
	cmd.Env = append(os.Environ(), "NSH_PLUGIN_PATH="+dir, "XDG_CACHE_HOME="+t.TempDir(), "XDG_STATE_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("nsh -c %q: %v\n%s", script, err, out)
	}
	return string(out)
}

// A plugin call with & is a job: it goes to the background at once, with
// an id in $! that kill and wait take; kill %1 cancels its context.
func TestPluginCallInTheBackground(t *testing.T) {
	dir := pluginDir(t, map[string]string{"test": "test"})
	out := filepath.Join(t.TempDir(), "out")
	got := nshScript(t, dir, `set +e
tslow >`+out+` & p=$!
echo "pid=$p"
jobs
jobs -l
kill -STOP %1; echo "stop=$?"
kill %1
wait $p; echo "status=$?"
tail -n 1 `+out+`
thang >/dev/null &
kill -KILL $!; wait $!; echo "killed=$?"
`)
	m := regexp.MustCompile(`pid=(419[0-9]{4}|4[2-9][0-9]{5})\n`).FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("$! is no job id:\n%s", got)
	}
	if want := "[1]+  " + m[1] + " Running   tslow"; !strings.Contains(got, want) {
		t.Errorf("jobs -l: no %q in:\n%s", want, got)
	}
	for _, want := range []string{"[1]+  Running   tslow >" + out + " &", "no process that can stop (a plugin call, builtins): end it with kill %N\nstop=1\n", "status=143\ncancelled\n", "killed=137\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
}

// A background call runs where it was started, while the shell moves on
// at once (home); and the process it started is pooled there, so a later
// call in that namespace is not served by one living elsewhere. The
// call's start races with the shell's move: several rounds.
func TestPluginCallInTheBackgroundStaysPut(t *testing.T) {
	dir := pluginDir(t, map[string]string{"test": "test"})
	tmp := t.TempDir()
	pin := filepath.Join(tmp, "n")
	got := nshScript(t, dir, `trap 'home; unpin `+pin+`' EXIT
unshare net
pin net `+pin+`
want=$(readlink /proc/self/ns/net)
echo "want=$want"
for i in 1 2 3 4 5; do
	tnet >`+tmp+`/bg$i & home; wait; cat `+tmp+`/bg$i
	setns `+pin+`; tnet; home
	plugin rescan  # no warm process: the next round starts afresh
	setns `+pin+`
done
home
tnet
`)
	want := regexp.MustCompile(`want=(net:\[\d+\])`).FindStringSubmatch(got)
	if want == nil {
		t.Fatalf("no want= in:\n%s", got)
	}
	lines := regexp.MustCompile(`own=(\S+) api=(\S+)`).FindAllStringSubmatch(got, -1)
	if len(lines) != 11 {
		t.Fatalf("%d tnet lines, want 11:\n%s", len(lines), got)
	}
	for i, l := range lines[:10] {
		if l[1] != want[1] || l[2] != want[1] {
			t.Errorf("call %d ran in %s (host API: %s), want %s:\n%s", i+1, l[1], l[2], want[1], got)
		}
	}
	if l := lines[10]; l[1] == want[1] || l[2] != "home" {
		t.Errorf("the call at home ran in %s (host API: %s)", l[1], l[2])
	}
}

// Under a terminal: [1] N at once, the prompt comes back and runs what is
// typed, jobs lists the call, kill %1 ends it, fg brings one back and
// Ctrl-C interrupts it there.
func TestPluginCallJobUnderATerminal(t *testing.T) {
	nstest.RequireRoot(t)
	dir := pluginDir(t, map[string]string{"test": "test"})
	cmd := exec.Command(filepath.Join(built(t), "nsh"))
	cmd.Env = append(os.Environ(), "NSH_PLUGIN_PATH="+dir, "XDG_CACHE_HOME="+t.TempDir(), "XDG_STATE_HOME="+t.TempDir(), "TERM=dumb")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); tty.Close() })
	var mu sync.Mutex
	var screen bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	expect := func(re string) {
		t.Helper()
		r := regexp.MustCompile(re)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			ok := r.MatchString(screen.String())
			mu.Unlock()
			if ok {
				return
			}
		}
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("no %q on the terminal:\n%q", re, screen.String())
	}
	typ := func(s string) { tty.WriteString(s) }
	typ("tslow >/dev/null &\n")
	expect(`\[1\] 4[0-9]{6}\r\n`)
	typ("echo typed-$((1+1))\n")
	expect(`typed-2\r\n`)
	typ("jobs\n")
	expect(`\[1\]\+  Running   tslow >/dev/null &`)
	typ("kill %1; sleep 0.5\n")
	typ("echo after\n")
	expect(`\[1\]\+  Exit 143  tslow >/dev/null &`)
	typ("tslow >/dev/null &\n")
	expect(`\[1\] 4[0-9]{6}\r\n`)
	typ("fg\n")
	time.Sleep(300 * time.Millisecond)
	typ("\x03")
	typ("echo back-$?\n")
	expect(`back-130\r\n`)
}
