package builtins

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestNs(t *testing.T) {
	h := newHarness(t)
	out := h.ok("ns")
	if strings.Count(out, "\n") != 8 || strings.Contains(out, "*") {
		t.Errorf("ns at home:\n%s", out)
	}
	h.ok("unshare net")
	out = h.ok("ns net uts")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], " *") || strings.HasSuffix(lines[1], "*") {
		t.Errorf("ns net uts after unshare net:\n%s", out)
	}
	// The inode is the one the kernel reports for a program in the context.
	link := strings.TrimSpace(h.ok("readlink /proc/self/ns/net"))
	if f := strings.Fields(lines[0]); "net:["+f[1]+"]" != link {
		t.Errorf("ns says %s, readlink says %s", f[1], link)
	}

	var js struct {
		Depth      *int `json:"depth"`
		Namespaces []struct {
			Kind    string
			Inode   uint64
			Differs bool
		}
	}
	if err := json.Unmarshal([]byte(h.ok("ns --json")), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Namespaces) != 8 || js.Depth == nil {
		t.Errorf("json: %+v", js)
	}
	for _, n := range js.Namespaces {
		if n.Differs != (n.Kind == "net") || n.Inode == 0 {
			t.Errorf("json entry %+v", n)
		}
	}
	h.fails("ns nett", 2, "unknown namespace kind", "valid: cgroup")
	h.fails("ns --bogus", 2)
}

func TestNsProcess(t *testing.T) {
	h := newHarness(t)
	out := h.ok("ns -p " + itoa(os.Getpid()) + " net")
	want, _ := os.Readlink("/proc/self/ns/net")
	if f := strings.Fields(out); len(f) != 2 || "net:["+f[1]+"]" != want {
		t.Errorf("ns -p self: %q, readlink %s", out, want)
	}
	h.fails("ns -p 999999999", 1, "no process 999999999")
}
