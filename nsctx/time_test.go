package nsctx_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

func TestTimeOffsets(t *testing.T) {
	c := newContext(t)
	o := nsctx.UnshareOptions{Monotonic: 200000000, Boottime: 100000000}
	if err := c.UnshareWith([]nsfs.Kind{nsfs.Time}, o); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(strings.Fields(run(t, c, "cat", "/proc/self/timens_offsets")), " ")
	if got != "monotonic 200000000 0 boottime 100000000 0" {
		t.Errorf("offsets %q", got)
	}
	if up := uptime(t, run(t, c, "cat", "/proc/uptime")); up < 100000000 {
		t.Errorf("uptime %v inside, want the boottime offset on top", up)
	}
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	if up := uptime(t, run(t, c, "cat", "/proc/uptime")); up >= 100000000 {
		t.Errorf("uptime %v after home, want the host's", up)
	}
}

func uptime(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.Fields(s)[0], 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
