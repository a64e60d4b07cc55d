package builtins

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
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
