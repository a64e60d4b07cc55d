package builtins_test

import (
	"strings"
	"testing"
)

func TestFg(t *testing.T) {
	// Without a terminal fg just waits; the status is the job's.
	errs := want(t, `sh -c 'exit 4' & fg %1 || echo $?`, "4\n", 0)
	if !strings.Contains(errs, "sh -c") {
		t.Errorf("fg should echo the command: %q", errs)
	}
	// A stopped job continues when brought to the foreground.
	want(t, `sh -c 'kill -STOP $$; echo resumed' & wait %1 || echo stopped $?; fg; echo done $?`, "stopped 147\nresumed\ndone 0\n", 0)
	_, errs, st := nsh(t, `fg %4`)
	if st != 1 || !strings.Contains(errs, "fg: %4: no such job") {
		t.Errorf("unknown job: %d %q", st, errs)
	}
}
