package builtins_test

import (
	"strings"
	"testing"
)

func TestExport(t *testing.T) {
	want(t, `export X=1; sh -c 'echo $X'`, "1\n", 0)
	want(t, `Y=2; export Y; sh -c 'echo $Y'`, "2\n", 0)
	// Exported stays exported when set again.
	want(t, `export Z=1; Z=3; sh -c 'echo $Z'`, "3\n", 0)
	// Exported before it has a value: reaches programs once set.
	want(t, `export W; sh -c 'echo "[${W-unset}]"'; W=4; sh -c 'echo $W'`, "[unset]\n4\n", 0)
	out, _, _ := nsh(t, `LOCAL=1; export SHOWN=2; export`)
	if !strings.Contains(out, "export SHOWN=2\n") || strings.Contains(out, "LOCAL") {
		t.Errorf("export listing: %q", out)
	}
	// Not a name: the builtin refuses it when it runs, as dash does
	// (mvdan.cc/sh's parser takes it for a syntax error; lang reads it
	// again as a word).
	if out, errs, st := nsh(t, "echo a; export 1A=2; echo b"); out != "a\n" || st != 2 || !strings.Contains(errs, "not a variable name") {
		t.Errorf("bad name: %q %d %q", out, st, errs)
	}
	if _, errs, st := nsh(t, `n=1A; export "$n=2"`); st != 2 || !strings.Contains(errs, "not a variable name") {
		t.Errorf("bad expanded name: %d %q", st, errs)
	}
}
