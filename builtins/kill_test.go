package builtins_test

import (
	"strings"
	"testing"
)

func TestKill(t *testing.T) {
	want(t, `sleep 30 & kill -9 %1; wait %1 || echo $?`, "137\n", 0)
	want(t, `sleep 30 & kill -s INT %%; wait %1 || echo $?`, "130\n", 0)
	want(t, `sleep 30 & kill -HUP $!; wait %1 || echo $?`, "129\n", 0)
	// A stopped job also gets CONT, so TERM ends it.
	want(t, `sleep 30 & kill -STOP %1; wait %1 || true; kill %1; wait %1 || echo $?`, "143\n", 0)
	out, _, _ := nsh(t, `kill -l`)
	if !strings.Contains(out, " 9 KILL\n") {
		t.Errorf("kill -l: %q", out)
	}
	for _, bad := range []string{"kill", "kill -NOSIG %1", "kill abc"} {
		if _, errs, st := nsh(t, bad); st != 2 || errs == "" {
			t.Errorf("%s: %d %q; want a usage error", bad, st, errs)
		}
	}
}
