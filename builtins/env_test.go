package builtins_test

import (
	"strings"
	"testing"
)

func TestEnv(t *testing.T) {
	out, _, st := nsh(t, `export EE=5; NOTEXP=6; env`)
	if st != 0 || !strings.Contains(out, "\nEE=5\n") || strings.Contains(out, "NOTEXP") {
		t.Errorf("env: status %d, %q", st, out)
	}
	// NAME=VALUE operands: added for the command only.
	want(t, `env A1=x sh -c 'echo $A1'; sh -c 'echo "[$A1]"'`, "x\n[]\n", 0)
	out, _, _ = nsh(t, `export EE=5; env EE=7`)
	if !strings.Contains(out, "EE=7\n") || strings.Contains(out, "EE=5") {
		t.Errorf("env override: %q", out)
	}
	want(t, `env NOSUCHPROGRAM_X`, "", 127)
}
