package plugins

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The attacker in the race tests is uid 1000, in a process of its own.
const attackerUID = 1000

// swapEnv makes the test binary, re-executed, run swapLoop (see TestMain).
const swapEnv = "NSH_TEST_SWAP"

// swapLoop exchanges two names in a loop, as fast as it can, until it is
// killed: what an attacker owning their directory does.
func swapLoop(a, b string) {
	for {
		if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
			fmt.Fprintln(os.Stderr, "swap:", err)
			os.Exit(1)
		}
	}
}

// startSwapper runs swapLoop(a, b) as uid, in a child process, until the
// test ends.
func startSwapper(t *testing.T, uid int, a, b string) {
	t.Helper()
	cmd := exec.Command("/proc/self/exe")
	cmd.Env = append(os.Environ(), swapEnv+"="+a+":"+b)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)},
		Pdeathsig:  syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
}

// runSwapper is TestMain's half of startSwapper.
func runSwapper() bool {
	v, ok := os.LookupEnv(swapEnv)
	if ok {
		a, b, _ := strings.Cut(v, ":")
		swapLoop(a, b)
	}
	return ok
}

// openTempDir is a temporary directory others may enter (but not change),
// as is the one holding it.
func openTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// evilPlugin writes a root-owned script that leaves marker when it runs.
func evilPlugin(t *testing.T, dir, marker string) string {
	t.Helper()
	path := filepath.Join(dir, "evil")
	if err := os.WriteFile(path, []byte("#!/bin/sh\necho ran >"+marker+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// goodPlugin copies the test plugin into dir, root-owned.
func goodPlugin(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(built(t), Prefix+"test"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "good")
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func mkdir(t *testing.T, path string, mode os.FileMode, uid int) string {
	t.Helper()
	if err := os.Mkdir(path, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	if err := os.Chown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
	return path
}

func symlink(t *testing.T, target, path string, uid int) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
}

// raceStarts starts plugin x from path again and again for a few seconds
// while the swapper runs, and fails the test if the evil plugin ever ran.
// It returns how many starts worked and the errors of those that did not.
func raceStarts(t *testing.T, h *testHost, path, marker string) (ok int, errs []error) {
	t.Helper()
	p := &Plugin{Name: "x", Path: path}
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		pr, err := h.start(h.ctx, p, h.env)
		if err != nil {
			errs = append(errs, err)
		} else {
			ok++
			pr.fail()
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("the attacker's plugin ran as root (after %d starts)", ok+len(errs))
		}
	}
	t.Logf("%d starts, %d refused or failed", ok+len(errs), len(errs))
	return ok, errs
}

// Issue 9, finding 1: uid 1000 owns a directory on NSH_PLUGIN_PATH and
// keeps exchanging the plugin, a link to a good root-owned plugin, with a
// link to a root-owned program of its choosing. The directory is refused:
// whoever can rename entries in it decides what the link names.
func TestSwapInUntrustedDirectory(t *testing.T) {
	base := openTempDir(t)
	marker := filepath.Join(base, "marker")
	good := goodPlugin(t, mkdir(t, filepath.Join(base, "good"), 0o755, 0))
	evil := evilPlugin(t, mkdir(t, filepath.Join(base, "evil"), 0o755, 0), marker)
	att := mkdir(t, filepath.Join(base, "att"), 0o755, attackerUID)
	plug := filepath.Join(att, Prefix+"x")
	symlink(t, good, plug, attackerUID)
	symlink(t, evil, filepath.Join(att, "spare"), attackerUID)
	h := newTestHost(t, att)
	startSwapper(t, attackerUID, plug, filepath.Join(att, "spare"))

	_, errs := raceStarts(t, h, plug, marker)
	for _, err := range errs {
		if !strings.Contains(err.Error(), "directory "+att+" is owned by uid 1000") {
			t.Fatalf("refused for the wrong reason: %v", err)
		}
	}
}

// The same race where the directory is trusted, and its owner (root)
// exchanges a link to a good plugin with a link to a file uid 1000 owns:
// nsh runs the good plugin or refuses, never the file it refuses, because
// it runs exactly the file it checked.
func TestSwapInTrustedDirectory(t *testing.T) {
	base := openTempDir(t)
	marker := filepath.Join(base, "marker")
	good := goodPlugin(t, mkdir(t, filepath.Join(base, "good"), 0o755, 0))
	evil := evilPlugin(t, mkdir(t, filepath.Join(base, "evil"), 0o755, 0), marker)
	if err := os.Chown(evil, attackerUID, attackerUID); err != nil {
		t.Fatal(err)
	}
	dir := mkdir(t, filepath.Join(base, "plugins"), 0o755, 0)
	plug := filepath.Join(dir, Prefix+"x")
	symlink(t, good, plug, 0)
	symlink(t, evil, filepath.Join(dir, "spare"), 0)
	h := newTestHost(t, dir)
	startSwapper(t, 0, plug, filepath.Join(dir, "spare"))

	ok, errs := raceStarts(t, h, plug, marker)
	for _, err := range errs {
		if !strings.Contains(err.Error(), "owned by uid 1000") {
			t.Fatalf("refused for the wrong reason: %v", err)
		}
	}
	if ok == 0 {
		t.Error("the good plugin never started")
	}
}
