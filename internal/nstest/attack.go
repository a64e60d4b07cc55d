package nstest

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// AttackerUID is the user the attack tests run their attacker as.
const AttackerUID = 1000

// exchangeEnv asks the test binary, run again as the attacker, to swap two
// names instead of testing (see init).
const exchangeEnv = "NSH_TEST_EXCHANGE"

func init() {
	if os.Getenv(exchangeEnv) == "" || len(os.Args) != 3 {
		return
	}
	a, b := os.Args[1], os.Args[2]
	os.Stdout.Write([]byte("swapping\n"))
	for {
		// Errors are the attack failing, not the test: go on.
		unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	}
}

// Exchange starts an attacker: a process of uid AttackerUID that swaps the
// names a and b (renameat2 RENAME_EXCHANGE) in a loop, as fast as it can,
// until the returned stop is called or the test ends. It returns once the
// attacker runs.
func Exchange(t testing.TB, a, b string) (stop func()) {
	t.Helper()
	// /proc/self/exe: the test binary, though its directory is root's
	// only (the magic link is not a path walk).
	cmd := exec.Command("/proc/self/exe", a, b)
	cmd.Env = append(os.Environ(), exchangeEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: &syscall.Credential{Uid: AttackerUID, Gid: AttackerUID, Groups: []uint32{}},
		Pdeathsig:  syscall.SIGKILL,
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := false
	stop = func() {
		if !done {
			done = true
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	t.Cleanup(stop)
	if _, err := out.Read(make([]byte, 1)); err != nil {
		t.Fatalf("attacker did not start: %v", err)
	}
	return stop
}

// AttackerDir makes dir/NAME owned by the attacker (mode 0755) and lets the
// attacker reach it: dir gets o+x if it lacks it (its parents have it).
func AttackerDir(t testing.TB, dir, name string) string {
	t.Helper()
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, st.Mode().Perm()|0o011); err != nil {
		t.Fatal(err)
	}
	u := filepath.Join(dir, name)
	if err := os.Mkdir(u, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(u, AttackerUID, AttackerUID); err != nil {
		t.Fatal(err)
	}
	return u
}

// AttackerLink makes the symbolic link path -> target, owned by the
// attacker, as if the attacker had made it.
func AttackerLink(t testing.TB, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(path, AttackerUID, AttackerUID); err != nil {
		t.Fatal(err)
	}
}
