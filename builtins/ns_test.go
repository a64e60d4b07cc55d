package builtins

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsinfo"
)

// ns's inode is the one the kernel reports for a program in the context.
// TestNsFake has the output's shapes.
func TestNs(t *testing.T) {
	h := newHarness(t)
	h.ok("unshare net")
	out := h.ok("ns net")
	link := strings.TrimSpace(h.ok("readlink /proc/self/ns/net"))
	if f := strings.Fields(out); len(f) < 2 || "net:["+f[1]+"]" != link {
		t.Errorf("ns says %q, readlink says %s", out, link)
	}
}

func TestNsFake(t *testing.T) {
	h, _ := newFakeHarness(t)
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
	h, _ := newFakeHarness(t)
	out := h.ok("ns -p " + itoa(os.Getpid()) + " net")
	want, _ := os.Readlink("/proc/self/ns/net")
	if f := strings.Fields(out); len(f) != 2 || "net:["+f[1]+"]" != want {
		t.Errorf("ns -p self: %q, readlink %s", out, want)
	}
	h.fails("ns -p 999999999", 1, "no process 999999999")
}

// The hand-written JSON of ns -a is what encoding/json makes of the same
// value: on this host's namespaces, as trees, and on values with nulls,
// escapes and nesting.
func TestNsAllJSONMatchesEncoding(t *testing.T) {
	h, _ := newFakeHarness(t)
	h.ok("unshare net") // a context mark somewhere
	st, err := h.ctx.Status()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := nsinfo.Scan(nsinfo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, out *allOut) {
		t.Helper()
		var want, got bytes.Buffer
		if err := writeJSON(&want, out); err != nil {
			t.Fatal(err)
		}
		if err := writeAllJSON(&got, out); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: hand-written JSON differs from encoding/json:\n%s\nwant:\n%s", name, got.String(), want.String())
		}
	}
	check("flat", allJSON(snap, snap.Namespaces, nil, &st))
	for _, mode := range []string{"owner", "parent", "process"} {
		rows, depth := treeOrder(snap, mode)
		check(mode, allJSON(snap, rows, depth, &st))
	}
	one, id, ino := 1, 7, uint64(4026531837)
	odd := "a\"b\\c\td\x01<e>&f\u2028g\xffh é"
	check("odd", &allOut{
		Namespaces: []*nsJSON{{
			NS: 1, Kind: "net", PID: &one, PPID: &one, UID: &one, User: &odd, Command: &odd,
			Paths: []string{odd, "/run/netns/x"}, Fds: []string{}, Netns: []string{"x"},
			NetnsID: &id, Owner: &ino, PIDs: []int{1, 2},
			Container: &nsinfo.Container{Engine: "podman", Name: odd, ID: "e103df23"},
			Children: []*nsJSON{{NS: 2, Kind: "user", Paths: []string{}, Fds: []string{"/proc/1/fd/3"}, PIDs: []int{},
				Children: []*nsJSON{{NS: 3, Paths: []string{}, Fds: []string{}, PIDs: []int{}, Parent: &ino}}}},
		}},
		Unreadable: []int{1},
	})
	check("empty", &allOut{Namespaces: []*nsJSON{}, Unreadable: []int{}})
}
