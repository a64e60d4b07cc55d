package builtins_test

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/internal/podmantest"
	"github.com/nsh-dev/nsh/repl"
)

// nsh runs a script with nsh -c, as a user would, and returns its
// output and status. The builtins are tested through the shell because
// they need one (variables, jobs, the context).
func nsh(t *testing.T, script string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	t.Cleanup(killChildren)
	var out, errb builtins.LockedBuffer
	status = repl.Main(append([]string{"-c", script}, args...), devnull, &out, &errb)
	return out.String(), errb.String(), status
}

// want fails the test unless the script's output and status are these.
func want(t *testing.T, script, wantOut string, wantStatus int) string {
	t.Helper()
	out, errs, st := nsh(t, script)
	if out != wantOut || st != wantStatus {
		t.Errorf("%s:\n got %q status %d (stderr %q)\nwant %q status %d", script, out, st, errs, wantOut, wantStatus)
	}
	return errs
}

// killChildren ends the programs a failed test left running (not the
// podman service or containerd the package shares): nsh runs in
// this process, so they are its children.
func killChildren() {
	ents, _ := os.ReadDir("/proc")
	me := strconv.Itoa(os.Getpid())
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold blanks, so cut at ')'.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 1 && f[1] == me {
			if pid, err := strconv.Atoi(e.Name()); err == nil && !podmantest.Daemon(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}
