package sdktest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/plugins"
)

// Build builds the plugin in package dir pkg (".": the test's own) as
// nsh-plugin-NAME in a temporary directory and returns its path, for
// RunBinary. A failed build fails the test.
func Build(t testing.TB, name, pkg string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), plugins.Prefix+name)
	if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// RunBinary runs c.Args (Args[0] is one of its commands) with the plugin
// binary at path as nsh would: its process is started by nsh's own plugin
// host (the trust check, the handshake, the protocol, the host API), in
// the test's namespaces, with c's env, stdin and working directory (c.Ctx
// and c.Where are not used: the host API answers for the test's own
// namespaces). Where nsh would say more
// than the status (the plugin failed to start, or crashed) it is on
// Stderr, as the shell prints it. The plugin's log is in a temporary
// directory, shown by the test's log if the test fails.
func RunBinary(t testing.TB, path string, c Call) Result {
	t.Helper()
	state := t.TempDir()
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(state, "nsh", "plugins", "*.log"))
			for _, l := range logs {
				b, _ := os.ReadFile(l)
				t.Logf("%s:\n%s", l, b)
			}
		}
	})
	var out, errOut bytes.Buffer
	st, err := plugins.RunFile(plugins.FileRun{
		Path: path, Args: c.Args, Env: c.Env, Dir: c.Dir, Stdin: strings.NewReader(c.Stdin),
		Stdout: &out, Stderr: &errOut, StateDir: state,
	})
	if err != nil {
		errOut.WriteString(err.Error() + "\n")
	}
	return Result{out.String(), errOut.String(), st}
}
