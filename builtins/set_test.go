package builtins_test

import (
	"strings"
	"testing"
)

// set through the shell: listing and options. Its positional parameters
// (set a b, set -- x, set NAME=VALUE) need the shell language: see
// testdata/lang_cases.txt.
func TestSet(t *testing.T) {
	// set lists variables in a form nsh reads back.
	out, _, _ := nsh(t, `Q="it's"; E=; export X=1; set`)
	for _, line := range []string{`Q='it'\''s'`, "E=''", "X=1"} {
		if !strings.Contains(out, "\n"+line+"\n") {
			t.Errorf("set listing lacks %s: %q", line, out)
		}
	}
	// Options.
	want(t, `set -k; false; echo on`, "on\n", 1)
	errs := want(t, `set -x; true; set +x; true`, "", 0)
	if !strings.Contains(errs, "+ [home] true") || strings.Count(errs, "+ ") != 2 {
		t.Errorf("trace: %q", errs)
	}
	for _, bad := range []string{"set -z", "set -kz"} {
		if _, errs, st := nsh(t, bad); st != 2 || errs == "" {
			t.Errorf("%s: status %d, stderr %q; want a usage error", bad, st, errs)
		}
	}
}
