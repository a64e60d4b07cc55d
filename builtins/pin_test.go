package builtins

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

func TestPinPinsUnpin(t *testing.T) {
	h := newHarness(t)
	dir := nstest.PinDir(t)
	h.fails("pin "+dir+"/lab", 1, "nothing to pin")
	h.ok("unshare net uts")
	h.ok("hostname lab")
	h.ok("pin " + dir + "/lab")
	h.ok("pin ipc " + dir + "/ipc")
	h.fails("pin nett "+dir+"/x", 2, "unknown namespace kind")
	h.fails("pin net "+dir+"/lab/net", 1, "already a pin")

	out, err := exec.Command("nsenter", "--uts="+dir+"/lab/uts", "hostname").Output()
	if err != nil || string(out) != "lab\n" {
		t.Errorf("nsenter hostname: %q %v", out, err)
	}
	pins := h.ok("pins")
	for _, p := range []string{dir + "/lab/net", dir + "/lab/uts", dir + "/ipc"} {
		if !strings.Contains(pins, p) {
			t.Errorf("pins lacks %s:\n%s", p, pins)
		}
	}
	for _, l := range strings.Split(pins, "\n") {
		if strings.HasSuffix(l, dir+"/lab/net") && !strings.Contains(l, " * ") {
			t.Errorf("pin of the current netns not marked: %q", l)
		}
	}
	h.ok("unpin " + dir + "/lab/net " + dir + "/lab/uts " + dir + "/ipc")
	if _, err := os.Stat(dir + "/lab/net"); err == nil {
		t.Error("pin file left after unpin")
	}
	h.fails("unpin "+dir+"/lab", 1, "not a pinned namespace")
	h.fails("unpin", 2)
}

// Through a link another user made, pin and unpin are refused and say why.
func TestPinUnpinRefuseForeignLink(t *testing.T) {
	h := newHarness(t)
	dir := nstest.PinDir(t)
	u := nstest.AttackerDir(t, dir, "u")
	nstest.AttackerLink(t, dir, u+"/l")
	h.ok("unshare net")
	h.ok("pin net " + dir + "/net")
	h.fails("pin net "+u+"/l/x", 1, "symbolic link "+u+"/l is not followed: it is owned by uid 1000")
	h.fails("unpin "+u+"/l/net", 1, "symbolic link "+u+"/l is not followed")
	if _, err := os.Lstat(dir + "/x"); err == nil {
		t.Error("pin through the link made its file")
	}
	h.ok("unpin " + dir + "/net")
}

// Without root: pin's, pins' and unpin's operands, errors and output, on
// the fake's pins. TestPinPinsUnpin proves a pin is a real one.
func TestPinPinsUnpinFake(t *testing.T) {
	h, c := newFakeHarness(t)
	dir := t.TempDir()
	h.fails("pin "+dir+"/lab", 1, "nothing to pin")
	h.fails("pin net", 2, "net is a kind: want pin net PATH")
	h.fails("pin net "+dir+"/x/", 1, "ends in '/'")
	h.fails("pin mnt "+dir+"/m", 1, "home mount namespace cannot be pinned")
	h.fails("pin a b c", 2, "want KIND PATH or DIR")
	h.fails("pin --netns nsh-fake", 1, "nothing to pin", "--force")
	h.fails("pin --netns nsh-fake x", 2, "takes no other operands")
	h.fails("pin --netns a/b", 2)
	h.ok("unshare net uts")
	st, _ := c.Status()
	h.ok("pin " + dir + "/lab")
	h.ok("pin ipc " + dir + "/ipc")
	h.fails("pin nett "+dir+"/x", 2, "unknown namespace kind")
	h.fails("pin net "+dir+"/lab/net", 1, "already a pin")
	h.fails("pin net "+dir, 1, "is a directory")
	if _, errs, st := h.run("pin --netns nsh-fake"); st != 0 || !strings.Contains(errs, "only the net namespace is named nsh-fake; uts differs too") {
		t.Errorf("pin --netns with uts away: status %d, %q", st, errs)
	}
	line := func(k nsfs.Kind, p, name string) string {
		return fmt.Sprintf("%-6s %d * %s%s", k, st.Cur[k].Ino, p, name)
	}
	want := []string{
		line(nsfs.IPC, dir+"/ipc", ""), line(nsfs.Net, dir+"/lab/net", ""), line(nsfs.UTS, dir+"/lab/uts", ""),
		line(nsfs.Net, nsfs.NetnsDir+"/nsh-fake", " (ip netns nsh-fake)"),
	}
	got := strings.Split(strings.TrimSpace(h.ok("pins")), "\n")
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("pins:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	h.ok("home")
	if out := h.ok("pins"); strings.Contains(out, "* "+dir+"/lab") {
		t.Errorf("pins at home marks a pin of a namespace made away:\n%s", out)
	}
	h.ok("setns " + dir + "/lab")
	var js []struct {
		Kind    string
		Inode   uint64
		Path    string
		Current bool
		Netns   string `json:"netns_name"`
	}
	if err := json.Unmarshal([]byte(h.ok("pins --json")), &js); err != nil || len(js) != 4 {
		t.Fatalf("pins --json: %v %+v", err, js)
	}
	if j := js[0]; j.Kind != "net" || j.Inode != st.Cur[nsfs.Net].Ino || !j.Current || j.Path != dir+"/lab/net" {
		t.Errorf("pins --json: first %+v", j)
	}
	if j := js[3]; j.Netns != "nsh-fake" {
		t.Errorf("pins --json: ip netns pin %+v", j)
	}
	h.fails("pins x", 2)
	h.ok("unpin " + dir + "/ipc nsh-fake")
	h.ok("unpin " + dir + "/lab")
	for _, p := range []string{dir + "/lab", dir + "/ipc"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left after unpin", p)
		}
	}
	if pins := h.ok("pins"); pins != "" {
		t.Errorf("pins after unpin:\n%s", pins)
	}
	if err := os.WriteFile(dir+"/plain", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h.fails("unpin "+dir+"/plain", 1, "not a pinned namespace")
	h.fails("unpin "+dir+"/none", 1, "does not exist")
	h.fails("unpin", 2)
}

// pin -t pins a process's namespaces, not the context's, which does not
// move: KIND PATH, DIR (the kinds the process is away from home in) and
// --netns NAME.
func TestPinTarget(t *testing.T) {
	h := newHarness(t)
	dir := nstest.PinDir(t)
	pid := holder(t, "--net", "--uts")
	ino := func(path string) uint64 {
		t.Helper()
		var st unix.Stat_t
		if err := unix.Stat(path, &st); err != nil {
			t.Fatal(err)
		}
		return st.Ino
	}
	h.ok("pin -t " + pid + " net " + dir + "/net")
	h.ok("pin -t " + pid + " " + dir + "/all")
	for path, k := range map[string]string{"/net": "net", "/all/net": "net", "/all/uts": "uts"} {
		if got, want := ino(dir+path), ino("/proc/"+pid+"/ns/"+k); got != want {
			t.Errorf("%s: pinned inode %d, the process's %s is %d", path, got, k, want)
		}
	}
	if _, err := os.Stat(dir + "/all/ipc"); err == nil {
		t.Error("pin -t PID DIR pinned ipc, where the process is at home")
	}
	if st, _ := h.ctx.Status(); st.Differs(nsfs.Net) || st.Differs(nsfs.UTS) {
		t.Error("pin -t moved the context")
	}
	name := "nshtest-pint-" + pid
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	h.ok("pin -t " + pid + " --netns " + name)
	if got, want := ino("/run/netns/"+name), ino("/proc/"+pid+"/ns/net"); got != want {
		t.Errorf("--netns: /run/netns/%s is %d, the process's net %d", name, got, want)
	}
	self := itoa(os.Getpid())
	h.fails("pin -t "+self+" --netns nshtest-home", 1, "nothing to pin: "+self+"'s net namespace is nsh's home one")
	h.fails("pin -t "+self+" "+dir+"/self", 1, "nothing to pin: "+self+" is in every one")
	h.fails("pin -t "+pid+" net", 2, "net is a kind")
	h.fails("pin -t nope net "+dir+"/x", 2, "want a process id")
	h.fails("pin -t 999999999 net "+dir+"/x", 1, "/proc/999999999/ns/net")
	h.ok("unpin " + dir + "/net " + dir + "/all/net " + dir + "/all/uts /run/netns/" + name)
}
