package builtins

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

// unshare makes real namespaces: a program started after is in them.
// TestUnshareFake has the operands and errors.
func TestUnshare(t *testing.T) {
	h := newHarness(t)
	h.ok("unshare net uts ipc")
	for _, k := range []string{"net", "uts", "ipc"} {
		self, _ := os.Readlink("/proc/self/ns/" + k)
		if got := strings.TrimSpace(h.ok("readlink /proc/self/ns/" + k)); got == self {
			t.Errorf("%s: a program after unshare is in nsh's own %s", k, got)
		}
	}
	h.ok("unshare mnt --propagation slave")
	if out := h.ok("findmnt -no PROPAGATION /"); out != "private\n" && out != "slave\n" && out != "private,slave\n" {
		t.Logf("propagation of / in new mnt ns: %q", out)
	}
}

// Without root: what unshare asks of the context for its operands and
// options (util-linux's spellings too), and its usage errors.
func TestUnshareFake(t *testing.T) {
	h, c := newFakeHarness(t)
	h.fails("unshare", 2, "no namespace kind")
	h.fails("unshare net bogus", 2, "unknown namespace kind")
	h.fails("unshare --propagation weird mnt", 2, "unknown propagation")
	h.fails("unshare time --boottime soon", 2, "--boottime wants seconds")
	h.fails("unshare user --map-root --map-current", 2, "exclude each other")
	h.fails("unshare user --map-user x", 2, "--map-user wants a uid")
	h.fails("unshare user --setgroups maybe", 2, "--setgroups wants allow or deny")
	h.fails("unshare pid --mount-proc=/mnt", 2, "nsh mounts the new /proc on /proc only")
	h.fails("unshare --net=/tmp/x", 2, "pin net /tmp/x")
	if n := len(c.Changes()); n != 0 {
		t.Fatalf("failed unshares changed the context %d times", n)
	}
	h.ok("unshare net uts ipc")
	for _, k := range []string{"net", "uts", "ipc"} {
		if out := h.ok("ns " + k); out[len(out)-2] != '*' {
			t.Errorf("%s not marked after unshare: %q", k, out)
		}
	}
	if st, _ := c.Status(); st.Depth != 0 {
		t.Error("depth changed")
	}
	for _, tc := range []struct {
		line  string
		kinds []nsfs.Kind
		o     nsctx.UnshareOptions
		noSys bool
	}{
		{"unshare mnt --propagation slave", []nsfs.Kind{nsfs.Mnt}, nsctx.UnshareOptions{Prop: nsctx.PropSlave}, false},
		{"unshare -nu", []nsfs.Kind{nsfs.Net, nsfs.UTS}, nsctx.UnshareOptions{}, false},
		{"unshare --net --no-sys", []nsfs.Kind{nsfs.Net}, nsctx.UnshareOptions{}, true},
		{"unshare pid --mount-proc", []nsfs.Kind{nsfs.PID, nsfs.Mnt}, nsctx.UnshareOptions{MountProc: true}, false},
		{"unshare -f -p", []nsfs.Kind{nsfs.PID}, nsctx.UnshareOptions{}, false},
		{"unshare --boottime 2h", []nsfs.Kind{nsfs.Time}, nsctx.UnshareOptions{Boottime: 7200}, false},
		{"unshare time --monotonic 5", []nsfs.Kind{nsfs.Time}, nsctx.UnshareOptions{Monotonic: 5}, false},
		{"unshare --map-root", []nsfs.Kind{nsfs.User}, nsctx.UnshareOptions{User: nsctx.MapRoot()}, false},
		{"unshare -r net", []nsfs.Kind{nsfs.Net, nsfs.User}, nsctx.UnshareOptions{User: nsctx.MapRoot()}, false},
		{"unshare user --map-user 5", []nsfs.Kind{nsfs.User}, nsctx.UnshareOptions{User: nsctx.MapIDs(5, os.Getegid())}, false},
		{"unshare --setgroups allow", []nsfs.Kind{nsfs.User}, nsctx.UnshareOptions{User: &nsctx.UserMaps{RunUID: -1, RunGID: -1, Setgroups: "allow"}}, false},
	} {
		before, _ := c.Status()
		h.ok(tc.line)
		ch := c.Changes()
		last := ch[len(ch)-1]
		slices.Sort(last.Kinds)
		slices.Sort(tc.kinds)
		if last.Op != "unshare" || !slices.Equal(last.Kinds, tc.kinds) || !reflect.DeepEqual(last.Options, tc.o) || last.NoSys != tc.noSys {
			t.Errorf("%s: %+v (user %+v), want kinds %v options %+v (user %+v) no-sys %v", tc.line, last, last.Options.User, tc.kinds, tc.o, tc.o.User, tc.noSys)
		}
		after, _ := c.Status()
		for _, k := range tc.kinds {
			if after.Cur[k] == before.Cur[k] {
				t.Errorf("%s: %s is not new", tc.line, k)
			}
		}
	}
}
