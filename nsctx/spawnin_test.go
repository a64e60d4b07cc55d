package nsctx_test

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsexec"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// spawnOut runs argv through SpawnIn in s (nil: where c is), reaps it and
// returns its stdout.
func spawnOut(t *testing.T, c *nsctx.Context, s *nsctx.Snapshot, argv ...string) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := &exec.Cmd{Path: argv[0], Args: argv, Stdout: w, Stderr: os.Stderr, Env: []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}}
	pid, err := c.SpawnIn(s, cmd)
	w.Close()
	if err != nil {
		return "", err
	}
	b, _ := io.ReadAll(r)
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil || ws.ExitStatus() != 0 {
		t.Fatalf("%v: %v, status %d", argv, err, ws.ExitStatus())
	}
	return string(b), nil
}

// SpawnIn starts programs alike whether nsexec forks them or os/exec:
// where the context is or a snapshot was, looked up in PATH, the first
// process of a new pid namespace, and the same errors.
func TestSpawnIn(t *testing.T) {
	for _, m := range []struct {
		name  string
		spawn nsctx.SpawnFunc
	}{{"nsexec", nsexec.Spawn}, {"os/exec", nil}} {
		t.Run(m.name, func(t *testing.T) {
			nsctx.UseSpawn(m.spawn)
			t.Cleanup(func() { nsctx.UseSpawn(nsexec.Spawn) })
			c := newContext(t)
			home := c.Home(nsfs.Net).String()
			s, err := c.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := c.UnshareWith([]nsfs.Kind{nsfs.Net, nsfs.PID}, nsctx.UnshareOptions{}); err != nil {
				t.Fatal(err)
			}
			st, err := c.Status()
			if err != nil {
				t.Fatal(err)
			}
			here := "net:[" + strconv.FormatUint(st.Cur[nsfs.Net].Ino, 10) + "]"
			out, serr := spawnOut(t, c, nil, "readlink", "/proc/self/ns/net", "/proc/self/ns/pid")
			if st, err = c.Status(); err != nil {
				t.Fatal(err)
			}
			pidns := "pid:[" + strconv.FormatUint(st.Cur[nsfs.PID].Ino, 10) + "]"
			if serr != nil || out != here+"\n"+pidns+"\n" || st.Cur[nsfs.PID] == st.Home[nsfs.PID] {
				t.Errorf("in the context: %q %v, want %s and the new %s", out, serr, here, pidns)
			}
			if out, err := spawnOut(t, c, s, "readlink", "/proc/self/ns/net"); err != nil || strings.TrimSpace(out) != home {
				t.Errorf("in the snapshot: %q %v, want %s", out, err, home)
			}
			dir := t.TempDir()
			script := filepath.Join(dir, "script")
			if err := os.WriteFile(script, []byte("echo no shebang\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			for path, want := range map[string]error{"nsh-no-such-program": nsctx.ErrNotFound, script: nsctx.ErrScript, dir: nsctx.ErrNotExecutable} {
				if _, err := spawnOut(t, c, nil, path); !errors.Is(err, want) {
					t.Errorf("%s: %v, want %v", path, err, want)
				}
			}
		})
	}
}
