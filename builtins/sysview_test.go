package builtins

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
)

// setns NAME gives programs ip netns exec's /sys; --no-sys gives
// nsenter's; unshare net shows only lo.
func TestSetnsSysView(t *testing.T) {
	h := newHarness(t)
	nstest.RequireTool(t, "ip")
	name := "nsh-bsys-" + itoa(os.Getpid())
	t.Cleanup(func() { nstest.DeleteNetns(name) })
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	want, err := exec.Command("ip", "netns", "exec", name, "ls", "/sys/class/net").Output()
	if err != nil {
		t.Fatal(err)
	}
	host, _ := exec.Command("ls", "/sys/class/net").Output()
	h.ok("setns " + name)
	if got := h.ok("ls /sys/class/net"); got != string(want) {
		t.Errorf("setns NAME: %q, ip netns exec: %q", got, want)
	}
	h.ok("home")
	if got := h.ok("ls /sys/class/net"); got != string(host) {
		t.Errorf("home: %q, host %q", got, host)
	}
	h.ok("setns --no-sys " + name)
	if got := h.ok("ls /sys/class/net"); got != string(host) {
		t.Errorf("setns --no-sys: %q, want the host's %q", got, host)
	}
	h.ok("home")
	h.ok("unshare net")
	if got := strings.TrimSpace(h.ok("ls /sys/class/net")); got != "lo" {
		t.Errorf("unshare net: %q", got)
	}
	h.ok("home")
	h.ok("unshare --no-sys net")
	if got := h.ok("ls /sys/class/net"); got != string(host) {
		t.Errorf("unshare --no-sys net: %q", got)
	}
}
