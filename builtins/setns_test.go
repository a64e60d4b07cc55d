package builtins

import (
	"os/exec"
	"strings"
	"testing"
	"time"
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
