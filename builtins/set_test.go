package builtins_test

import (
	"strings"
	"testing"
)

func TestSet(t *testing.T) {
	want(t, `set A=1 B="two words"; echo $A $B`, "1 two words\n", 0)
	want(t, `set E=; echo "[$E]"`, "[]\n", 0)
	// A shell variable does not reach programs until exported.
	want(t, `set V=1; sh -c 'echo "[$V]"'`, "[]\n", 0)
	// set lists variables in a form nsh reads back.
	out, _, _ := nsh(t, `set Q="it's"; set`)
	if !strings.Contains(out, `Q='it'\''s'`+"\n") {
		t.Errorf("set listing lacks Q quoted: %q", out)
	}
	// Options.
	want(t, `set -k; false; echo on`, "on\n", 1)
	errs := want(t, `set -x; true; set +x; true`, "", 0)
	if !strings.Contains(errs, "+ [home] true") || strings.Count(errs, "+ ") != 2 {
		t.Errorf("trace: %q", errs)
	}
	for _, bad := range []string{"set 9=1", "set -z", "set word"} {
		if _, errs, st := nsh(t, bad); st != 2 || errs == "" {
			t.Errorf("%s: status %d, stderr %q; want a usage error", bad, st, errs)
		}
	}
}
