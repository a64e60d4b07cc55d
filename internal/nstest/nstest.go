// Package nstest holds helpers for tests that need root and a real kernel:
// they skip without root, except under CI=true where skipping is a failure
// (CI must prove every namespace feature), and they clean up what they make.
package nstest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// CI reports whether the tests run under CI (CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// RequireRoot skips the test without root, or fails it under CI.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		if CI() {
			t.Fatal("this test needs root, and CI must run it")
		}
		t.Skip("needs root")
	}
}

// RequireTool skips the test if a program is missing, or fails under CI.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if CI() {
			t.Fatalf("%s is needed and missing: .ci/run should install it", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// PinDir returns a fresh directory for pins. When the test ends, every
// mount under it (pins, and the private bind a mount-namespace pin makes)
// is lazily unmounted and the directory removed, also if the test failed.
func PinDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nsh-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { UnmountUnder(t, dir) })
	return dir
}

// UnmountUnder unmounts every mount at or below dir, deepest first, then
// removes dir.
func UnmountUnder(t testing.TB, dir string) {
	t.Helper()
	if err := UnmountAll(dir); err != nil {
		t.Errorf("cleanup: %v", err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Errorf("cleanup: %v", err)
	}
}

// UnmountAll lazily unmounts every mount at or below dir, deepest first.
func UnmountAll(dir string) error {
	var first error
	for _, m := range nsfs.MountsUnder(dir) {
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Readlink returns readlink(/proc/PID/ns/KIND), e.g. "net:[4026531840]".
func Readlink(t testing.TB, path string) string {
	t.Helper()
	s, err := os.Readlink(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// DeleteNetns removes every ip netns namespace whose name ends in suffix,
// as ip netns del does (unmount, then unlink).
func DeleteNetns(suffix string) {
	ents, _ := os.ReadDir("/run/netns")
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), suffix) {
			p := filepath.Join("/run/netns", e.Name())
			unix.Unmount(p, unix.MNT_DETACH)
			os.Remove(p)
		}
	}
}

// Output starts argv with start (a namespace context's Start, say), waits
// for it and returns its standard output; any failure fails the test.
func Output(t testing.TB, start func(*exec.Cmd) error, argv ...string) string {
	t.Helper()
	var out, errb strings.Builder
	cmd := &exec.Cmd{Path: argv[0], Args: argv, Stdout: &out, Stderr: &errb, Env: os.Environ()}
	if err := start(cmd); err != nil {
		t.Fatalf("%v: %v", argv, err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %v: %s", argv, err, errb.String())
	}
	return out.String()
}
