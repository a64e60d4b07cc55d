package builtins_test

import (
	"strings"
	"testing"
)

func TestBg(t *testing.T) {
	// Stop a job, continue it in the background, then end it.
	out, errs, st := nsh(t, `sleep 30 & kill -STOP %1; wait %1 || echo stopped; jobs; bg; jobs; kill %1; wait %1 || echo $?`)
	if st != 0 || !strings.Contains(out, "stopped\n[1]+  Stopped   sleep 30 &") ||
		!strings.Contains(out, "[1]+  Running   sleep 30 &") || !strings.HasSuffix(out, "143\n") {
		t.Errorf("status %d\n%s%s", st, out, errs)
	}
	if !strings.Contains(errs, "[1]+ sleep 30 & &") && !strings.Contains(errs, "[1]+ sleep 30 &") {
		t.Errorf("bg should say what it continued: %q", errs)
	}
	if _, errs, st := nsh(t, `bg %%`); st != 1 || !strings.Contains(errs, "no such job") {
		t.Errorf("no jobs: %d %q", st, errs)
	}
}
