package lang_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/internal/podmantest"
)

// setns takes a command after its kinds in every form, as nsenter does:
// ENGINE:NAME, -t ENGINE:NAME with nsenter's letters, -t PID. The command
// runs in the container; the shell stays home.
func TestSetnsCommandContainer(t *testing.T) {
	sock := podmantest.Service(t)
	c := podmantest.Run(t)
	pid := strconv.Itoa(c.PID)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	script := `setns podman:` + c.Name + ` uts hostname
setns podman:` + c.Name + ` net uts hostname
setns -t podman:` + c.Name + ` -u hostname
setns --target=` + pid + ` uts hostname
setns -t ` + pid + ` -n ip -o link | wc -l
setns -t ` + pid + ` net ip -o link | wc -l
hostname
`
	cmd := exec.Command(nshBinary(t), "-c", script)
	cmd.Env = append(os.Environ(), "NSH_TEST_MAIN=1", "CONTAINER_HOST=unix://"+sock, "DOCKER_HOST=unix:///nonexistent/docker.sock")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	ch := c.Name + "-host"
	want := strings.Join([]string{ch, ch, ch, ch, "1", "1", host}, "\n") + "\n"
	if got := strings.ReplaceAll(string(out), " ", ""); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}
