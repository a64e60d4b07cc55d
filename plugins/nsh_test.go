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

	"github.com/nsh-dev/nsh/internal/nstest"
)

// Plugins die with nsh, also when nsh is killed with SIGKILL and has no
// chance to stop them: the parent-death signal does it.
func TestPluginsDieWithKilledNsh(t *testing.T) {
	nstest.RequireRoot(t)
	dir := pluginDir(t, map[string]string{"test": "test"})
	nsh := filepath.Join(t.TempDir(), "nsh")
	if out, err := exec.Command("go", "build", "-o", nsh, "../cmd/nsh").CombinedOutput(); err != nil {
		t.Fatalf("go build nsh: %v\n%s", err, out)
	}
	cmd := exec.Command(nsh, "-c", "tpid; spawn sleep 60")
	cmd.Env = append(os.Environ(), "NSH_PLUGIN_PATH="+dir, "XDG_CACHE_HOME="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// nsh and its sleep share a process group; the plugin has its own.
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || !alive(pid) {
		t.Fatalf("plugin pid %q: %v", line, err)
	}
	if pgid, _ := syscall.Getpgid(pid); pgid != pid {
		t.Errorf("the plugin is in process group %d, not its own", pgid)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	waitGone(t, pid)
}
