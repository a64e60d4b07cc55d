package builtins_test

import (
	"regexp"
	"testing"
)

func TestJobs(t *testing.T) {
	out, errs, st := nsh(t, `sleep 30 & spawn -b sleep 31; jobs -l; kill %1 %2; wait`)
	re := regexp.MustCompile(`(?m)^\[1\]-  [0-9]+ Running   sleep 30 &   \(home\)\n\[2\]\+  [0-9]+ Running   sleep 31 &   \(home\)$`)
	if st != 0 || !re.MatchString(out) {
		t.Errorf("jobs -l: status %d\n%s%s", st, out, errs)
	}
	// Finished jobs are listed once, then gone.
	want(t, `true & wait %1; jobs`, "", 0)
	out, _, _ = nsh(t, `sh -c 'exit 3' & wait; jobs; jobs`)
	if out != "" {
		t.Errorf("jobs after wait: %q", out)
	}
	want(t, `jobs extra`, "", 2)
}
