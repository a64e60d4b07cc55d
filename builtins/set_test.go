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

// set -o NAME and set +o NAME, by name what the letters do too; set -o
// lists the options, set +o as commands.
func TestSetOptionNames(t *testing.T) {
	want(t, `set -o keepgoing; false; set +o keepgoing; echo on`, "on\n", 1)
	want(t, `set -o noglob; echo /*; set +o noglob`, "/*\n", 0)
	want(t, `set -o pipefail; set -o`, "keepgoing  off\nnoglob     off\npipefail   on\nxtrace     off\n", 0)
	want(t, `set -kf; set +o`, "set -o keepgoing\nset -o noglob\nset +o pipefail\nset +o xtrace\n", 0)
	for _, bad := range []string{"set -o nosuch", "set +o Pipefail", "set -p"} {
		if _, errs, st := nsh(t, bad); st != 2 || !strings.Contains(errs, "keepgoing noglob pipefail xtrace") {
			t.Errorf("%s: status %d, stderr %q; want a usage error naming the options", bad, st, errs)
		}
	}
}

// With pipefail a pipeline's status is its rightmost failed stage's.
func TestPipefail(t *testing.T) {
	want(t, `sh -c 'exit 3' | true; echo $?`, "0\n", 0)
	want(t, `set -o pipefail; sh -c 'exit 3' | sh -c 'exit 5' | true || echo $?; true | sh -c 'exit 6' || echo $?`, "5\n6\n", 0)
	want(t, `set -o pipefail; true | true; echo $?; set +o pipefail; false | true; echo $?`, "0\n0\n", 0)
	want(t, `set -o pipefail; false | true; echo never`, "", 1)
}

// A refused or failed builtin that changes the context stops a script,
// even under -k and in a pipeline whose status is 0, unless tested.
func TestMoveStopsKeepGoing(t *testing.T) {
	for _, script := range []string{
		`set -k; setns /nonexistent | cat; echo ON HOST`,
		`set -k; echo | cd / | cat; echo ON HOST`,
		`set -k; setns /nonexistent; echo ON HOST`,
		`set -k; for i in 1; do pop; done; echo ON HOST`,
	} {
		want(t, script, "", 1)
	}
	want(t, `set -k; setns /nonexistent | cat && echo tested; cd /nonexistent || echo or; echo end`, "tested\nor\nend\n", 0)
}
