package builtins

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/nsfs"
)

// holder runs `unshare FLAGS sleep 600` until the test ends.
func holder(t *testing.T, flags ...string) string {
	t.Helper()
	cmd := exec.Command("unshare", append(flags, "sleep", "600")...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := itoa(cmd.Process.Pid)
	for i := 0; i < 1000; i++ {
		if out, _ := exec.Command("cat", "/proc/"+pid+"/comm").Output(); strings.TrimSpace(string(out)) == "sleep" {
			return pid
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("holder did not start")
	return ""
}

func TestSetnsFile(t *testing.T) {
	h := newHarness(t)
	pid := holder(t, "--net", "--uts")
	want, _ := exec.Command("readlink", "/proc/"+pid+"/ns/net").Output()
	h.ok("setns /proc/" + pid + "/ns/net")
	if got := h.ok("readlink /proc/self/ns/net"); got != string(want) {
		t.Errorf("joined %s, want %s", got, want)
	}
	h.ok("setns /proc/" + pid + "/ns/uts uts")
	h.fails("setns /proc/"+pid+"/ns/uts net", 1, "is a uts namespace, not net")
	h.fails("setns /etc/hostname", 1, "/etc/hostname", "not a namespace file")
	h.fails("setns /nonexistent/x", 1, "/nonexistent/x")
	h.fails("setns", 2)
	h.fails("setns /proc/"+pid+"/ns/net nett", 2, "unknown namespace kind")
}

func TestSetnsProcess(t *testing.T) {
	h := newHarness(t)
	pid := holder(t, "--net", "--uts", "--ipc")
	h.ok("setns -t " + pid)
	for _, k := range []string{"net", "uts", "ipc", "mnt"} {
		want, _ := exec.Command("readlink", "/proc/"+pid+"/ns/"+k).Output()
		if got := h.ok("readlink /proc/self/ns/" + k); got != string(want) {
			t.Errorf("%s: %s, want %s", k, got, want)
		}
	}
	h.ok("home")
	h.ok("setns -t " + pid + " uts")
	out := h.ok("ns net uts")
	if !strings.Contains(out, "uts") || strings.Contains(strings.Split(out, "\n")[0], "*") {
		t.Errorf("only uts should have changed:\n%s", out)
	}
	h.fails("setns -t 999999999", 1, "no process 999999999")
	h.fails("setns -t abc", 2, "process id")
}

// Without root: setns's operands and errors, and which namespaces it
// joins, on the fake's pins. TestSetnsFile and TestSetnsProcess prove the
// real joins.
func TestSetnsFake(t *testing.T) {
	h, c := newFakeHarness(t)
	away := func(k nsfs.Kind) bool {
		t.Helper()
		st := h.status()
		return st.Differs(k)
	}
	h.ok("unshare net uts")
	h.ok("pin lab")
	h.ok("home")
	h.fails("setns", 2, "want TARGET [KIND]")
	h.fails("setns a b c", 2, "want TARGET [KIND]")
	h.fails("setns /etc/hostname", 1, "/etc/hostname: not a namespace file")
	h.fails("setns /nonexistent/x", 1, "/nonexistent/x")
	h.fails("setns nsh-no-such-name", 1, `no ip netns namespace "nsh-no-such-name"`)
	h.fails("setns nosuch:web", 1, `no ip netns namespace "nosuch:web"; containers are docker:NAME, podman:NAME`)
	h.fails("setns lab/net uts", 1, "is a net namespace, not uts")
	h.fails("setns lab/net nett", 2, "unknown namespace kind")
	h.fails("setns lab net", 2, "a directory of pins joins whole")
	if away(nsfs.Net) || away(nsfs.UTS) {
		t.Fatal("a failed setns moved the context")
	}
	h.ok("setns lab/net")
	if !away(nsfs.Net) || away(nsfs.UTS) {
		t.Error("setns PIN: want net joined, uts home")
	}
	h.ok("home")
	h.ok("setns lab")
	if !away(nsfs.Net) || !away(nsfs.UTS) {
		t.Error("setns DIR: want net and uts joined")
	}
	// -t PID joins that process's namespaces: this one's are home.
	h.ok("setns -t " + itoa(os.Getpid()))
	if away(nsfs.Net) || away(nsfs.UTS) {
		t.Error("setns -t $$: want home")
	}
	h.fails("setns -t 999999999", 1, "no process 999999999")
	h.fails("setns -t abc", 2, "process id")
	h.fails("setns -t "+itoa(os.Getpid())+":x", 2, "bad inode")
	h.fails("setns -t "+itoa(os.Getpid())+":1", 1, "the pid was reused?")
	h.fails("setns -t "+itoa(os.Getpid())+" nett", 2, "unknown namespace kind")
	h.fails("setns --user-parent lab", 2, "--user-parent goes with -t PID")
	h.fails("setns -N 3", 1, "fd 3 is not open")
	h.fails("setns -N x", 2, "-N wants FD or PID:FD")
	h.fails("setns -N 3 uts", 2, "-N FD joins a network namespace only")
	h.fails("setns nsid:x", 2, "nsid:N wants a number")
	h.fails("setns nsid:1 uts", 2, "nsid:N is a network namespace")
	h.fails("setns netns:a/b", 2)
	// --no-sys is for that one change.
	h.ok("setns --no-sys lab/net")
	h.ok("setns lab/uts")
	ch := c.Changes()
	if n := len(ch); n < 2 || !ch[n-2].NoSys || ch[n-1].NoSys {
		t.Errorf("setns --no-sys then setns: changes %+v, want the first without /sys only", ch)
	}
}
