package builtins

import (
	"strings"
	"testing"
)

func TestHomePushPop(t *testing.T) {
	h := newHarness(t)
	h.fails("pop", 1, "stack is empty")
	h.fails("home now", 2)
	h.ok("unshare net")
	net := h.ok("readlink /proc/self/ns/net")
	h.ok("push")
	h.ok("home")
	if h.ok("readlink /proc/self/ns/net") == net {
		t.Error("home did not leave the net namespace")
	}
	if st, _ := h.ctx.Status(); st.Depth != 1 {
		t.Errorf("depth %d", st.Depth)
	}
	h.ok("pop")
	if got := h.ok("readlink /proc/self/ns/net"); got != net {
		t.Errorf("pop: %s, want %s", got, net)
	}
	// push TARGET: save and join in one step; a failed join keeps nothing.
	h.ok("home")
	h.fails("push /etc/hostname", 1, "not a namespace file")
	if st, _ := h.ctx.Status(); st.Depth != 0 {
		t.Errorf("failed push left depth %d", st.Depth)
	}
	pid := holder(t, "--uts")
	h.ok("push -t " + pid + " uts")
	if !strings.HasSuffix(strings.TrimSpace(h.ok("ns uts")), "*") {
		t.Error("push -t did not join")
	}
	h.ok("pop")
}

func TestCdPwd(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	h.ok("cd " + dir)
	if got := h.ok("pwd"); got != dir+"\n" {
		t.Errorf("pwd %q", got)
	}
	if got := h.ok("spawn pwd"); got != dir+"\n" {
		t.Errorf("program's cwd %q", got)
	}
	h.fails("cd /nonexistent", 1, "/nonexistent")
	h.fails("cd a b", 2)
}
