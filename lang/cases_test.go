package lang_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/internal/podmantest"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsexec"
	"github.com/nsh-dev/nsh/repl"
)

// The helper, as in the nsh binary (cmd/nsh/main.go).
func init() {
	nsctx.UseHelper(nsexec.StartNofile())
	nsctx.UseSpawn(nsexec.Spawn) // jobs fork as in nsh
}

// langCase is one end-to-end case of builtins/testdata/lang_cases.txt:
// a script, what it prints on stdout, and its status.
type langCase struct {
	name, script, stdout string
	status               int
	line                 int
}

func readCases(t *testing.T, file string) []langCase {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		cases []langCase
		cur   *langCase
		part  string
		n     int
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "### "):
			cases = append(cases, langCase{name: line[4:], line: n})
			cur, part = &cases[len(cases)-1], "script"
		case cur == nil:
		case line == "--- stdout":
			part = "stdout"
		case strings.HasPrefix(line, "--- status "):
			st, err := strconv.Atoi(strings.TrimPrefix(line, "--- status "))
			if err != nil {
				t.Fatalf("%s:%d: %v", file, n, err)
			}
			cur.status, part = st, ""
		case part == "script":
			cur.script += line + "\n"
		case part == "stdout":
			cur.stdout += line + "\n"
		}
	}
	return cases
}

// TestLangCases runs the builtins' end-to-end cases through nsh -c, each
// in a directory of its own, and compares stdout and the status.
func TestLangCases(t *testing.T) {
	nstest.RequireRoot(t)
	nsh := nshBinary(t)
	for _, c := range readCases(t, "../builtins/testdata/lang_cases.txt") {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(nsh, "+e", "-c", strings.TrimSuffix(c.script, "\n"))
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "HOME="+dir, "NSH_TEST_MAIN=1")
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			done := make(chan error, 1)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("lang_cases.txt:%d: did not end", c.line)
			}
			st := cmd.ProcessState.ExitCode()
			if out.String() != c.stdout || st != c.status {
				t.Errorf("lang_cases.txt:%d:\n%s\ngot  %q status %d (stderr %q)\nwant %q status %d",
					c.line, c.script, out.String(), st, errb.String(), c.stdout, c.status)
			}
		})
	}
}

// TestMain makes this test binary nsh itself when asked (NSH_TEST_MAIN):
// the cases run the shell as users do, as a process.
func TestMain(m *testing.M) {
	if os.Getenv("NSH_TEST_MAIN") == "1" {
		os.Exit(repl.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(podmantest.Main(m)) // the image and service of containers_test.go
}

func nshBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return self
}
