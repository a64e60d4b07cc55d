package plugins

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/rogpeppe/go-internal/txtar"
	"golang.org/x/sys/unix"
)

// The plugin binaries, built once per test run into binDir.
var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	if runSwapper() || runDialer() {
		return
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// built returns the directory holding nsh-plugin-{netinfo,whereami,test,v1}
// and nsh.
func built(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "nsh-plugins-")
		if buildErr != nil {
			return
		}
		os.Chmod(binDir, 0o755) // for tests that run nsh as another user
		var wg sync.WaitGroup
		var mu sync.Mutex
		for name, pkg := range map[string]string{
			Prefix + "netinfo":  "./examples/netinfo",
			Prefix + "whereami": "./examples/whereami",
			Prefix + "test":     "./internal/testplugin",
			"nsh":               "../cmd/nsh",
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, name), pkg).CombinedOutput()
				if err != nil {
					mu.Lock()
					buildErr = &buildError{pkg, string(out)}
					mu.Unlock()
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := buildV1(filepath.Join(binDir, Prefix+"v1")); err != nil {
				mu.Lock()
				buildErr = err
				mu.Unlock()
			}
		}()
		wg.Wait()
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// buildV1 builds the plugin of testdata/v1plugin.txtar, made with the SDK
// of protocol 1 as it was first released, to out.
func buildV1(out string) error {
	ar, err := txtar.ParseFile("testdata/v1plugin.txtar")
	if err != nil {
		return err
	}
	src, err := os.MkdirTemp("", "nsh-v1plugin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(src)
	for _, f := range ar.Files {
		p := filepath.Join(src, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		return &buildError{"testdata/v1plugin.txtar", string(b)}
	}
	return nil
}

type buildError struct{ pkg, out string }

func (e *buildError) Error() string { return "go build " + e.pkg + ": " + e.out }

// pluginDir makes a private plugin directory with copies of the named
// plugins (names may differ from the built ones: "garbage" <- "test").
func pluginDir(t *testing.T, names map[string]string) string {
	t.Helper()
	src := built(t)
	dir := t.TempDir()
	for name, from := range names {
		b, err := os.ReadFile(filepath.Join(src, Prefix+from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, Prefix+name), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fakeShell is the shell as the host sees it: only Environ is used.
type fakeShell struct {
	command.Shell
	env []string
}

func (s *fakeShell) Environ() []string { return s.env }
func (s *fakeShell) LastStatus() int   { return 0 }

// testHost is a host over a fresh context, closed (with every process
// checked gone) when the test ends.
type testHost struct {
	*Host
	t    *testing.T
	ctx  *nsctx.Context
	env  []string
	warn *bytes.Buffer // what discovery reported
}

func newTestHost(t *testing.T, dir string) *testHost {
	t.Helper()
	nstest.RequireRoot(t)
	ctx, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "NSH_PLUGIN_PATH=" + dir,
		"XDG_CACHE_HOME=" + t.TempDir(), "XDG_STATE_HOME=" + t.TempDir(), "TESTVAR=hello"}
	warn := new(bytes.Buffer)
	h := NewHost(ctx, env, warn)
	h.StartTimeout = 3 * time.Second
	h.IsBuiltin = func(name string) bool { return name == "cd" } // the test plugin's clash
	th := &testHost{h, t, ctx, env, warn}
	t.Cleanup(func() {
		pids := th.pids()
		h.Close()
		for _, pid := range pids {
			waitGone(t, pid)
		}
		ctx.Close()
	})
	return th
}

// pids lists the plugin processes this host has running.
func (h *testHost) pids() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	var pids []int
	for _, list := range h.pool.idle {
		for _, pr := range list {
			pids = append(pids, pr.run.pid)
		}
	}
	return pids
}

// call runs a command line through the host's middleware; what is not a
// plugin command fails the test.
func (h *testHost) call(stdin string, args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	env := &command.Env{Stdin: strings.NewReader(stdin), Stdout: &o, Stderr: &e, Ctx: h.ctx, Shell: &fakeShell{env: h.env}}
	err = h.Handler(func(*command.Env, []string) error {
		h.t.Fatalf("%s: not a plugin command", args[0])
		return nil
	})(env, args)
	return o.String(), e.String(), err
}

func (h *testHost) mustCall(args ...string) string {
	h.t.Helper()
	out, errOut, err := h.call("", args...)
	if err != nil {
		h.t.Fatalf("%v: %v (stderr %q)", args, err, errOut)
	}
	return out
}

func (h *testHost) pid() int {
	h.t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(h.mustCall("tpid")))
	if err != nil {
		h.t.Fatal(err)
	}
	return pid
}

// waitGone waits until pid no longer exists (not even as a zombie).
func waitGone(t testing.TB, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
			return
		}
		if time.Now().After(deadline) {
			st, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
			t.Errorf("plugin process %d still exists: %s", pid, st)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func nsInode(t testing.TB, path string) string {
	t.Helper()
	s := nstest.Readlink(t, path)
	_, rest, _ := strings.Cut(s, "[")
	return strings.TrimSuffix(rest, "]")
}

func alive(pid int) bool { return unix.Kill(pid, 0) == nil }
