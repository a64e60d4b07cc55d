package builtins

import (
	"os"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsfs"
)

// home, push and pop move the real context: a program sees it.
// TestHomePushPopFake has their errors and the stack.
func TestHomePushPop(t *testing.T) {
	h := newHarness(t)
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
	pid := holder(t, "--uts")
	h.ok("push -t " + pid + " uts")
	if !strings.HasSuffix(strings.TrimSpace(h.ok("ns uts")), "*") {
		t.Error("push -t did not join")
	}
	h.ok("pop")
}

// Without root: what home, push and pop do to the context's namespaces,
// working directory and stack, and their errors.
func TestHomePushPopFake(t *testing.T) {
	h, _ := newFakeHarness(t)
	status := h.status
	h.fails("pop", 1, "stack is empty")
	h.fails("home now", 2, "no operands expected")
	h.fails("pop now", 2, "no operands expected")
	h.ok("unshare net")
	away := status()
	h.ok("push")
	h.ok("home")
	if st := status(); st.Differs(nsfs.Net) || st.Depth != 1 {
		t.Errorf("home after push: net differs %v, depth %d; want home, 1", st.Differs(nsfs.Net), st.Depth)
	}
	h.ok("pop")
	if st := status(); st.Cur != away.Cur || st.Depth != 0 {
		t.Errorf("pop: %v depth %d, want %v depth 0", st.Cur, st.Depth, away.Cur)
	}
	// The working directory is saved too.
	start, dir := status().Cwd, t.TempDir()
	h.ok("push")
	h.ok("cd " + dir)
	h.ok("pop")
	if st := status(); st.Cwd != start {
		t.Errorf("pop: cwd %s, want %s", st.Cwd, start)
	}
	// push TARGET: save and join in one step; a failed join keeps nothing.
	h.ok("home")
	h.fails("push /etc/hostname", 1, "/etc/hostname: not a namespace file")
	h.fails("push -t abc", 2, "want a process id")
	if st := status(); st.Depth != 0 {
		t.Errorf("failed push left depth %d", st.Depth)
	}
	h.ok("unshare uts")
	uts := status().Cur[nsfs.UTS]
	h.ok("pin uts u")
	h.ok("home")
	h.ok("push u")
	if st := status(); st.Cur[nsfs.UTS] != uts || st.Depth != 1 {
		t.Errorf("push PIN: uts %v depth %d, want %v depth 1", st.Cur[nsfs.UTS], st.Depth, uts)
	}
	if !strings.HasSuffix(strings.TrimSpace(h.ok("ns uts")), "*") {
		t.Error("ns uts after push PIN: not marked")
	}
	h.ok("pop")
	if st := status(); st.Differs(nsfs.UTS) {
		t.Error("pop after push PIN: uts still away")
	}
}

// cd moves the real context: a program starts there. TestCdPwdFake has
// the rest.
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
}

func TestCdPwdFake(t *testing.T) {
	h, _ := newFakeHarness(t)
	dir := t.TempDir()
	if err := os.Mkdir(dir+"/sub", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/file", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h.ok("cd " + dir)
	if got := h.ok("pwd"); got != dir+"\n" {
		t.Errorf("pwd %q", got)
	}
	h.ok("cd -P sub")
	if got := h.ok("pwd -P"); got != dir+"/sub\n" {
		t.Errorf("cd -P sub: pwd %q", got)
	}
	h.fails("cd /nonexistent", 1, "/nonexistent: file does not exist")
	h.fails("cd "+dir+"/file", 1, "not a directory")
	h.fails("cd a b", 2, "too many operands")
	h.fails("cd -x", 2)
	h.fails("pwd -z", 2)
	if got := h.ok("pwd -P"); got != dir+"/sub\n" {
		t.Errorf("a failed cd moved: pwd %q", got)
	}
}
