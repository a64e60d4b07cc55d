package builtins

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
)

// noRoot are the tests that run against the fake context (or need no
// context at all) and once needed root for a real one.
var noRoot = []string{
	"TestMoveError", "TestExitHelp", "TestNsProcess", "TestNsAllJSONMatchesEncoding",
	"TestHomePushPopFake", "TestCdPwdFake", "TestNsFake", "TestIdentifyFake",
	"TestPinPinsUnpinFake", "TestSetnsFake", "TestUnshareFake", "TestSpawnFake",
	"TestTestErrors", "TestTestShell", "TestEvalTestEffects", "TestUmaskFake",
}

// They pass as nobody: this test binary, run again as uid 65534, passes
// every one of them (none skipped).
func TestNoRootTests(t *testing.T) {
	nstest.RequireRoot(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "nsh-noroot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The test binary's own directory is root's alone: a copy nobody
	// can run, in a directory nobody can use.
	bin := filepath.Join(dir, "builtins.test")
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^("+strings.Join(noRoot, "|")+")$", "-test.v", "-test.count=1")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir, "TMPDIR="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as nobody: %v\n%s", err, out)
	}
	for _, name := range noRoot {
		if !strings.Contains(string(out), "--- PASS: "+name+" (") {
			t.Errorf("as nobody, %s did not pass:\n%s", name, out)
		}
	}
}
