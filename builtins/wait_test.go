package builtins_test

import "testing"

func TestWait(t *testing.T) {
	want(t, `sh -c 'exit 5' & wait %1 || echo $?`, "5\n", 0)
	want(t, `sh -c 'exit 5' & wait $! || echo $?`, "5\n", 0)
	// Without operands: every running job; status 0.
	want(t, `sh -c 'sleep 0.1; echo a' & sh -c 'exit 1' & wait; echo all`, "a\nall\n", 0)
	want(t, `wait %9 || echo $?`, "127\n", 0)
}
