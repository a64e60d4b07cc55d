package builtins_test

import "testing"

func TestUnset(t *testing.T) {
	want(t, `export U=1; unset U; sh -c 'echo "[$U]"'; echo "[$U]"`, "[]\n[]\n", 0)
	want(t, `unset NEVER_SET_AT_ALL`, "", 0)
	// No operands: nothing to do, as in sh.
	want(t, `unset`, "", 0)
	want(t, `unset 1A`, "", 2)
}
