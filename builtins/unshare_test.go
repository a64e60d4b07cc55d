package builtins

import "testing"

func TestUnshare(t *testing.T) {
	h := newHarness(t)
	h.fails("unshare", 2, "no namespace kind")
	h.fails("unshare net bogus", 2, "unknown namespace kind")
	h.fails("unshare --propagation weird mnt", 2, "unknown propagation")
	h.ok("unshare net uts ipc")
	st, _ := h.ctx.Status()
	for _, k := range []string{"net", "uts", "ipc"} {
		if out := h.ok("ns " + k); out[len(out)-2] != '*' {
			t.Errorf("%s not marked after unshare: %q", k, out)
		}
	}
	if st.Depth != 0 {
		t.Error("depth changed")
	}
	h.ok("unshare mnt --propagation slave")
	if out := h.ok("findmnt -no PROPAGATION /"); out != "private\n" && out != "slave\n" && out != "private,slave\n" {
		t.Logf("propagation of / in new mnt ns: %q", out)
	}
}
