package plugins

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// spawned runs tspawn, which leaves a sleep 300 in a process group of its
// own, and returns the sleep's pid.
func (h *testHost) spawned(args ...string) int {
	h.t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(h.mustCall(append([]string{"tspawn"}, args...)...)))
	if err != nil || !alive(pid) {
		h.t.Fatalf("tspawn: pid %d, %v", pid, err)
	}
	h.t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	return pid
}

// Issue 9, finding 6: what a plugin process starts ends with it, also
// what left its process group.
func TestPluginDescendantsEnd(t *testing.T) {
	t.Run("unload", func(t *testing.T) {
		h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
		pid := h.spawned()
		if err := h.Unload("test"); err != nil {
			t.Fatal(err)
		}
		waitDead(t, pid)
	})
	// go-plugin reaps a process once its stdout and stderr are closed:
	// while a child holds one, only the cgroup's end lets unload finish.
	t.Run("unload, a child holding stderr", func(t *testing.T) {
		h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
		pid := h.spawned("stderr")
		done := make(chan error, 1)
		go func() { done <- h.Unload("test") }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Minute):
			t.Fatal("plugin unload did not return")
		}
		waitDead(t, pid)
	})
	t.Run("plugin killed", func(t *testing.T) {
		h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
		pid := h.spawned()
		syscall.Kill(h.pid(), syscall.SIGKILL)
		waitDead(t, pid)
	})
	t.Run("host closed", func(t *testing.T) {
		h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
		pid := h.spawned()
		h.Close()
		waitDead(t, pid)
	})
}

// ... and when nsh ends, however it ends.
func TestPluginDescendantsDieWithNsh(t *testing.T) {
	dir := pluginDir(t, map[string]string{"test": "test"})
	for _, sig := range []syscall.Signal{0, syscall.SIGKILL, syscall.SIGTERM, syscall.SIGHUP} {
		name, script := "exit", "tspawn"
		if sig != 0 {
			name, script = sig.String(), "tspawn; spawn sleep 60"
		}
		t.Run(name, func(t *testing.T) {
			cmd, pid := startNsh(t, dir, script)
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
			if sig != 0 {
				cmd.Process.Signal(sig)
			}
			cmd.Wait()
			waitDead(t, pid)
		})
	}
}

// Each plugin process has a cgroup of its own, below the one the host
// made under nsh's.
func TestPluginCgroup(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	cg := strings.TrimSpace(h.mustCall("tcgroup"))
	if !regexp.MustCompile(`/nsh-plugins-[0-9]+-[0-9]+/[0-9]+$`).MatchString(cg) {
		t.Errorf("the plugin's cgroup: %q", cg)
	}
}

// The cgroups an nsh killed before its cleanup left (its pid gone) are
// removed when the next host makes its own; a live one's stay.
func TestStaleCgroupsSwept(t *testing.T) {
	nstest.RequireRoot(t)
	own, _, err := ownCgroup()
	if err != nil {
		t.Fatal(err)
	}
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(own, fmt.Sprintf("nsh-plugins-%d-1", gone.Process.Pid))
	live := filepath.Join(own, fmt.Sprintf("nsh-plugins-%d-999", os.Getpid()))
	for _, d := range []string{stale + "/1", stale + "/2", live} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, d := range []string{stale + "/1", stale + "/2", stale, live} {
			os.Remove(d)
		}
	})
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	h.mustCall("tcgroup")
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the dead nsh's cgroup is still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live nsh's cgroup was taken: %v", err)
	}
}

// From a cgroup namespace that does not contain nsh's cgroup (as a
// container's), a plugin still gets its cgroup, unless cgroup2 is mounted
// with nsdelegate: the kernel then refuses to start a process from there
// into nsh's cgroups, and the plugin runs in nsh's cgroup. (This machine's
// cgroup2 may lack nsdelegate, which cannot be changed for one test: then
// the host is told it has it.)
func TestPluginFromForeignCgroupNamespace(t *testing.T) {
	own, deleg, err := ownCgroup()
	if err != nil {
		t.Fatal(err)
	}
	for _, forced := range []bool{false, true} {
		if forced && deleg {
			continue
		}
		h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
		if err := h.ctx.JoinFile(foreignCgroupNS(t, own), nsfs.Cgroup); err != nil {
			t.Fatal(err)
		}
		if forced {
			h.cg.setup()
			h.cg.deleg = true
		}
		cg := strings.TrimSpace(h.mustCall("tcgroup"))
		if !strings.HasPrefix(cg, "/..") || strings.Contains(cg, "/nsh-plugins-") != (!deleg && !forced) {
			t.Errorf("nsdelegate %v: the plugin's cgroup, seen in the namespace: %q", deleg || forced, cg)
		}
	}
}

// foreignCgroupNS returns the cgroup namespace of a process that is in a
// new cgroup below own, the namespace rooted there.
func foreignCgroupNS(t *testing.T, own string) string {
	t.Helper()
	cgdir, err := os.MkdirTemp(own, "nsh-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(cgdir) })
	fd, err := unix.Open(cgdir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	cmd := exec.Command(nstest.RequireTool(t, "unshare"), "--cgroup", "sleep", "300")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() }) // before the cgroup goes
	ns := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/ns/cgroup"
	mine := nstest.Readlink(t, "/proc/self/ns/cgroup")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if l, err := os.Readlink(ns); err != nil || l != mine {
			return ns
		}
		if time.Now().After(deadline) {
			t.Fatal("unshare --cgroup made no cgroup namespace")
		}
	}
}

// Without root nsh cannot make cgroups: plugins run all the same, in nsh's
// cgroup, with their process group only.
func TestPluginsWithoutCgroups(t *testing.T) {
	nstest.RequireRoot(t)
	base := openTempDir(t)
	dir := mkdir(t, filepath.Join(base, "plugins"), 0o755, 0)
	b, err := os.ReadFile(filepath.Join(built(t), Prefix+"test"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, Prefix+"test"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(built(t), "nsh"), "-c", "techo hi; tcgroup")
	cmd.Env = append(os.Environ(), "NSH_PLUGIN_PATH="+dir, "XDG_CACHE_HOME="+mkdir(t, filepath.Join(base, "cache"), 0o755, attackerUID))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: attackerUID, Gid: attackerUID}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "args=hi\n") || strings.Contains(string(out), "nsh-plugins-") {
		t.Errorf("plugins as uid %d: %v\n%s", attackerUID, err, out)
	}
}
