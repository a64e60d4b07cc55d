package builtins_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/internal/nstest"
)

// A program started in the real context sees the mask umask set.
func TestUmask(t *testing.T) {
	ctx := utilCtx(t)
	checkUmask(t, ctx, func() string { return strings.TrimSpace(nstest.Output(t, ctx.Start, "sh", "-c", "umask")) })
}

// Without root: umask's output, statuses and the mask it leaves.
func TestUmaskFake(t *testing.T) {
	ctx := builtins.FakeCtx(t)
	checkUmask(t, ctx, func() string {
		m, err := ctx.Umask(-1)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%04o", m)
	})
}

// Each case starts from 0022; out and status are bash 5.2's, mask is the
// mask the context has afterwards, as seen says it.
func checkUmask(t *testing.T, ctx command.Context, seen func() string) {
	t.Helper()
	for _, tc := range []struct {
		args, out string
		status    int
		mask      string
	}{
		{"", "0022\n", 0, "0022"},
		{"-S", "u=rwx,g=rx,o=rx\n", 0, "0022"},
		{"-p", "umask 0022\n", 0, "0022"},
		{"-pS", "umask -S u=rwx,g=rx,o=rx\n", 0, "0022"},
		{"027", "", 0, "0027"},
		{"-S 027", "u=rwx,g=rx,o=\n", 0, "0027"},
		{"0777", "", 0, "0777"},
		{"-S 0777", "u=,g=,o=\n", 0, "0777"},
		{"0", "", 0, "0000"},
		{"-- 077", "", 0, "0077"},
		{"u=rwx,g=rx,o=", "", 0, "0027"},
		{"g-x,o+w", "", 0, "0030"},
		{"a=", "", 0, "0777"},
		{"=", "", 0, "0777"},
		{"+x", "", 0, "0022"},
		{"a=r,u+w", "", 0, "0133"},
		{"g=", "", 0, "0072"},
		{"o-rwx,g-w", "", 0, "0027"},
		{"=rx", "", 0, "0222"},
		{"ug=rwx,o=rx", "", 0, "0002"},
		{"u=rw,+x", "", 0, "0022"},
		{"u=rw+x", "", 0, "0022"}, // POSIX allows more than one action; bash does not
		{"-x", "", 2, "0022"},
		{"8", "", 1, "0022"},
		{"99", "", 1, "0022"},
		{"1234567", "", 1, "0022"},
		{"u", "", 1, "0022"},
		{"x=r", "", 1, "0022"},
		{"u+s", "", 1, "0022"},
		{"u=rwX", "", 1, "0022"},
		{"u=rq", "", 1, "0022"},
	} {
		if _, err := ctx.Umask(0o022); err != nil {
			t.Fatal(err)
		}
		out, _, st, err := call(ctx, nil, nil, append([]string{"umask"}, words(tc.args)...)...)
		if out != tc.out || st != tc.status {
			t.Errorf("umask %s: %q status %d (%v), want %q status %d", tc.args, out, st, err, tc.out, tc.status)
		}
		if got := seen(); got != tc.mask {
			t.Errorf("umask %s: the mask is then %s, want %s", tc.args, got, tc.mask)
		}
	}
}
