package builtins

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func itoa(n int) string { return strconv.Itoa(n) }

func TestSpawnStatus(t *testing.T) {
	h := newHarness(t)
	if got := h.ok("spawn echo hi"); got != "hi\n" {
		t.Errorf("echo: %q", got)
	}
	h.fails("spawn false", 1)
	h.fails("no-such-command-nsh", 127, "command not found")
	plain := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(plain, []byte("data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.fails(plain, 126, "not executable")
	h.fails("sh -c kill$IFS-9$IFS$$", 137, "killed by signal 9")
	h.fails("spawn", 2)
}

// Without root: spawn's usage, and that the fake starts no program (which
// program is not found, or not executable, nsctx says when it starts one).
func TestSpawnFake(t *testing.T) {
	h, _ := newFakeHarness(t)
	h.fails("spawn", 2)
	h.fails("spawn true", 1, "starts no programs")
	h.fails("no-such-command-nsh", 1, "starts no programs")
}

func TestExitHelp(t *testing.T) {
	h, _ := newFakeHarness(t)
	if _, _, st := h.run("exit 3"); st != 3 {
		t.Errorf("exit 3: %d", st)
	}
	h.fails("exit abc", 2)
	out := h.ok("help")
	for _, b := range Table() {
		if !strings.Contains(out, b.Name) || !strings.Contains(out, b.Summary) {
			t.Errorf("help lacks %s", b.Name)
		}
	}
	if out := h.ok("help setns"); !strings.Contains(out, "usage: setns TARGET [KIND]") {
		t.Errorf("help setns:\n%s", out)
	}
	h.fails("help nosuch", 1, "no builtin named")
}
