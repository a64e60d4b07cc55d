package plugins

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/internal/nstest"
)

// Plugins die with nsh, also when nsh is killed with SIGKILL and has no
// chance to stop them: the parent-death signal does it.
func TestPluginsDieWithKilledNsh(t *testing.T) {
	cmd, pid := startNsh(t, pluginDir(t, map[string]string{"test": "test"}), "tpid; spawn sleep 60")
	if !alive(pid) {
		t.Fatalf("plugin pid %d is not alive", pid)
	}
	if pgid, _ := syscall.Getpgid(pid); pgid != pid {
		t.Errorf("the plugin is in process group %d, not its own", pgid)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	waitDead(t, pid)
}

// startNsh runs nsh -c script with the plugins of dir, in a process group
// of its own that is killed when the test ends, and returns it with the
// number on the first line it prints (a plugin prints a pid).
func startNsh(t *testing.T, dir, script string) (*exec.Cmd, int) {
	t.Helper()
	nstest.RequireRoot(t)
	cmd := exec.Command(filepath.Join(built(t), "nsh"), "-c", script)
	cmd.Env = append(os.Environ(), "NSH_PLUGIN_PATH="+dir, "XDG_CACHE_HOME="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// nsh and what it spawns share a process group; plugins have theirs.
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("nsh -c %q printed %q first", script, line)
	}
	return cmd, pid
}

// waitDead waits until pid has died. Orphaned, it may linger as a zombie
// until init gets round to reaping it; that is init's business.
func waitDead(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		_, rest, _ := strings.Cut(string(st), ") ")
		if err != nil || strings.HasPrefix(rest, "Z") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("plugin process %d outlived nsh: %s", pid, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
