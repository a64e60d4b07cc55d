package nsctx

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// sysNetns makes an ip netns namespace with a veth end in it and an
// /etc/netns/NAME/resolv.conf, all removed when the test ends.
func sysNetns(t *testing.T) (name, resolv string) {
	t.Helper()
	nstest.RequireRoot(t)
	nstest.RequireTool(t, "ip")
	name = fmt.Sprintf("nsh-sys-%d", os.Getpid())
	t.Cleanup(func() { nstest.DeleteNetns(name) })
	for _, argv := range [][]string{
		{"ip", "netns", "add", name},
		{"ip", "link", "add", "nshsys0", "netns", name, "type", "veth", "peer", "name", "nshsys1", "netns", name},
	} {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", argv, err, out)
		}
	}
	dir := filepath.Join("/etc/netns", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	resolv = "nameserver 192.0.2.53 # " + name + "\n"
	if err := os.WriteFile(filepath.Join(dir, "resolv.conf"), []byte(resolv), 0o644); err != nil {
		t.Fatal(err)
	}
	return name, resolv
}

func ipNetnsExec(t *testing.T, name string, argv ...string) string {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"netns", "exec", name}, argv...)...).Output()
	if err != nil {
		t.Fatalf("ip netns exec %s %v: %v", name, argv, err)
	}
	return strings.TrimSpace(string(out))
}

func hostOut(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := exec.Command(argv[0], argv[1:]...).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// After joining an ip netns namespace, programs see what ip netns exec
// shows them: its /sys and /etc/netns/NAME/*; home, pop and a Fork keep
// that straight, and SetSysView(false) gives nsenter's view.
func TestSysViewNetns(t *testing.T) {
	name, resolv := sysNetns(t)
	c := newCtx(t)
	hostNet := hostOut(t, "ls", "/sys/class/net")
	hostResolv, _ := os.ReadFile("/etc/resolv.conf")
	wantNet := ipNetnsExec(t, name, "ls", "/sys/class/net")
	if !strings.Contains(wantNet, "nshsys0") || strings.Contains(wantNet, "eth0") {
		t.Fatalf("ip netns exec shows %q", wantNet)
	}
	// The mounts at and under /sys, as tools that read mountinfo find
	// them (cgroup discovery): one sysfs, none of home's under it.
	sysMounts := "findmnt -rn -o TARGET,FSTYPE | grep -E '^/sys( |/)' || :"
	wantMounts := ipNetnsExec(t, name, "sh", "-c", sysMounts)
	inRed := func(how string, c *Context) {
		t.Helper()
		if got := run(t, c, "ls", "/sys/class/net"); got != wantNet {
			t.Errorf("%s: /sys/class/net %q, ip netns exec: %q", how, got, wantNet)
		}
		if got := run(t, c, "cat", "/etc/resolv.conf"); got != strings.TrimSpace(resolv) {
			t.Errorf("%s: /etc/resolv.conf %q", how, got)
		}
		if got := run(t, c, "sh", "-c", sysMounts); got != wantMounts {
			t.Errorf("%s: mounts at /sys %q, ip netns exec: %q", how, got, wantMounts)
		}
	}
	atHome := func(how string) {
		t.Helper()
		if got := run(t, c, "ls", "/sys/class/net"); got != hostNet {
			t.Errorf("%s: /sys/class/net %q, host %q", how, got, hostNet)
		}
		if got := run(t, c, "cat", "/etc/resolv.conf"); got != strings.TrimSpace(string(hostResolv)) {
			t.Errorf("%s: /etc/resolv.conf %q", how, got)
		}
		if st, _ := c.Status(); st.Differs(nsfs.Mnt) {
			t.Errorf("%s: still away from home's mount namespace", how)
		}
	}
	wd := t.TempDir()
	if err := c.Chdir(wd); err != nil {
		t.Fatal(err)
	}
	if err := c.JoinFile("/run/netns/"+name, nsfs.Net); err != nil {
		t.Fatal(err)
	}
	inRed("setns NAME", c)
	if got := run(t, c, "pwd"); got != wd {
		t.Errorf("working directory %q, want %q", got, wd)
	}
	if st, _ := c.Status(); st.Differs(nsfs.Mnt) {
		t.Errorf("the companion shows as a mount namespace the user went to")
	}
	if got, home := readlinkNS(t, c, nsfs.Mnt), hostOut(t, "readlink", "/proc/self/ns/mnt"); got == home {
		t.Errorf("programs are in home's mount namespace %s", got)
	}
	f, err := c.Fork()
	if err != nil {
		t.Fatal(err)
	}
	inRed("a Fork", f)
	f.Close()
	if err := c.Push(); err != nil {
		t.Fatal(err)
	}
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	atHome("home")
	if got := run(t, c, "pwd"); got != wd {
		t.Errorf("working directory after home %q, want %q", got, wd)
	}
	if err := c.Pop(); err != nil {
		t.Fatal(err)
	}
	inRed("pop", c)
	if err := c.Unshare([]nsfs.Kind{nsfs.Net}, PropUnchanged); err != nil {
		t.Fatal(err)
	}
	if got := run(t, c, "ls", "/sys/class/net"); got != "lo" {
		t.Errorf("unshare net from there: /sys/class/net %q", got)
	}
	c.GoHome()
	atHome("home again")

	c.SetSysView(false)
	if err := c.JoinFile("/run/netns/"+name, nsfs.Net); err != nil {
		t.Fatal(err)
	}
	if got := run(t, c, "ls", "/sys/class/net"); got != hostNet {
		t.Errorf("sys view off: /sys/class/net %q, want the host's", got)
	}
	c.GoHome()
}

// unshare net shows only the new namespace's devices; with mnt as well,
// the remount is made in the user's own mount namespace, and what the
// user mounts there stays.
func TestSysViewUnshare(t *testing.T) {
	c := newCtx(t)
	if err := c.Unshare([]nsfs.Kind{nsfs.Net}, PropUnchanged); err != nil {
		t.Fatal(err)
	}
	if got := run(t, c, "ls", "/sys/class/net"); got != "lo" {
		t.Errorf("unshare net: /sys/class/net %q", got)
	}
	c.GoHome()
	if err := c.Unshare([]nsfs.Kind{nsfs.Net, nsfs.Mnt}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := c.Do(func() error { return unix.Mount("tmpfs", dir, "tmpfs", 0, "") }); err != nil {
		t.Fatal(err)
	}
	if got := run(t, c, "ls", "/sys/class/net"); got != "lo" {
		t.Errorf("unshare net mnt: /sys/class/net %q", got)
	}
	if got := run(t, c, "findmnt", "-n", "-o", "FSTYPE", dir); got != "tmpfs" {
		t.Errorf("the user's mount is gone: %q", got)
	}
	c.GoHome()
}
