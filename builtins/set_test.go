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
	// Options. -k (keep going) is +e: the status is the last command's.
	want(t, `set -k; false; echo on`, "on\n", 0)
	want(t, `set -k; echo on; false`, "on\n", 1)
	errs := want(t, `set -x; true; set +x; true`, "", 0)
	if !strings.Contains(errs, "+ true") || strings.Count(errs, "+ ") != 2 {
		t.Errorf("trace: %q", errs)
	}
	for _, bad := range []string{"set -z", "set -kz"} {
		if _, errs, st := nsh(t, bad); st != 2 || errs == "" {
			t.Errorf("%s: status %d, stderr %q; want a usage error", bad, st, errs)
		}
	}
}

// set -o NAME and set +o NAME, by name what the letters do too; set -o
// lists the options, set +o as commands.
func TestSetOptionNames(t *testing.T) {
	want(t, `set -o keepgoing; false; set +o keepgoing; echo on; false; echo never`, "on\n", 1)
	want(t, `set -o noglob; echo /*; set +o noglob`, "/*\n", 0)
	out, _, _ := nsh(t, `set -o pipefail; set -o`)
	for _, line := range []string{"pipefail        on", "errexit         on", "noglob          off", "xtrace          off"} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("set -o lacks %q: %q", line, out)
		}
	}
	out, _, _ = nsh(t, `set -kf; set +o`)
	for _, line := range []string{"set +o errexit", "set -o noglob", "set +o pipefail", "set +o xtrace"} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("set +o lacks %q: %q", line, out)
		}
	}
	for _, bad := range []string{"set -o nosuch", "set +o Pipefail", "set -p"} {
		if _, errs, st := nsh(t, bad); st != 2 || !strings.Contains(errs, "unknown option") {
			t.Errorf("%s: status %d, stderr %q; want a usage error", bad, st, errs)
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
// even under -k and in a pipeline whose status is 0, unless tested. (One
// that succeeds in a pipeline's stage moves only that stage's copy.)
func TestMoveStopsKeepGoing(t *testing.T) {
	for _, script := range []string{
		`set -k; setns /nonexistent | cat; echo ON HOST`,
		`set -k; setns /nonexistent; echo ON HOST`,
		`set -k; for i in 1; do pop; done; echo ON HOST`,
	} {
		want(t, script, "", 1)
	}
	want(t, `set -k; setns /nonexistent | cat && echo tested; cd /nonexistent || echo or; echo end`, "tested\nor\nend\n", 0)
}
