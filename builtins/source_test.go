package builtins_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSource(t *testing.T) {
	dir := t.TempDir()
	lib := filepath.Join(dir, "lib.nsh")
	if err := os.WriteFile(lib, []byte("FROM=lib\ncd "+dir+"\necho args $# $1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Variables and the working directory it changes stay.
	want(t, "source "+lib+" a b; echo $FROM; pwd; echo $#", "args 2 a\nlib\n"+dir+"\n0\n", 0)

	bad := filepath.Join(dir, "bad.nsh")
	os.WriteFile(bad, []byte("true\nfalse\necho no\n"), 0o644)
	errs := want(t, "source "+bad+"; echo after", "", 1)
	if !strings.Contains(errs, bad+":2: false: exit status 1") {
		t.Errorf("stderr %q lacks the sourced file's line", errs)
	}
	// exit inside a sourced file leaves the shell.
	ex := filepath.Join(dir, "exit.nsh")
	os.WriteFile(ex, []byte("exit 7\n"), 0o644)
	want(t, "source "+ex+"; echo after", "", 7)

	if _, errs, st := nsh(t, "source "+filepath.Join(dir, "none")); st != 1 || !strings.Contains(errs, "none") {
		t.Errorf("missing file: %d %q", st, errs)
	}
	want(t, "source", "", 2)
}
