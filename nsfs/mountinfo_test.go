package nsfs

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// line formats m as the kernel would.
func line(m Mount) string {
	return fmt.Sprintf("36 25 %s %s %s rw,relatime shared:1 - %s src rw", m.Dev, EscapeMountinfo(m.Root), EscapeMountinfo(m.Point), m.FSType)
}

func TestParseMount(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Mount
		ok   bool
	}{
		{"43 27 0:4 net:[4026531833] /run/netns/red rw - nsfs nsfs rw", Mount{"0:4", "net:[4026531833]", "/run/netns/red", "nsfs"}, true},
		{`25 1 8:1 / /mnt/a\040b rw,relatime shared:1 master:2 - ext4 /dev/sda1 rw`, Mount{"8:1", "/", "/mnt/a b", "ext4"}, true},
		// Only space, tab, newline and backslash are escaped: other white
		// space is part of the path.
		{"43 27 0:4 net:[1] /tmp/x\u00a0y\rz rw - nsfs nsfs rw", Mount{"0:4", "net:[1]", "/tmp/x\u00a0y\rz", "nsfs"}, true},
		{"43 27 0:4 net:[1] /p rw nsfs nsfs rw", Mount{}, false},
		{"43 27 0:4 net:[1] /p - nsfs nsfs rw", Mount{}, false},
		{"", Mount{}, false},
	} {
		got, ok := ParseMount(tc.line)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseMount(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParse: no line makes Parse panic, and a mount it reads comes back
// the same from the line the kernel would write for it.
func FuzzParseMount(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := ParseMount(s)
		if !ok {
			return
		}
		if strings.Contains(m.Dev, " ") || m.FSType == "" || strings.Contains(m.FSType, " ") {
			t.Fatalf("ParseMount(%q) = %+v: a field with a space, or no type", s, m)
		}
		again, ok := ParseMount(line(m))
		if !ok || again != m {
			t.Fatalf("ParseMount(%q) = %+v; its line %q parses as %+v, %v", s, m, line(m), again, ok)
		}
	})
}

// FuzzUnescape: Unescape undoes Escape, never grows a string, and leaves
// one without a backslash alone.
func FuzzUnescapeMountinfo(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		if got := UnescapeMountinfo(EscapeMountinfo(s)); got != s {
			t.Fatalf("UnescapeMountinfo(EscapeMountinfo(%q)) = %q", s, got)
		}
		u := UnescapeMountinfo(s)
		if len(u) > len(s) || !strings.Contains(s, `\`) && u != s {
			t.Fatalf("UnescapeMountinfo(%q) = %q", s, u)
		}
	})
}

// FuzzUnder: whatever mountinfo says, Under lists only mount points at or
// below the directory, each of a line that says so, latest first.
func FuzzMountsUnder(f *testing.F) {
	f.Fuzz(func(t *testing.T, text, dir string) {
		if len(text) > 1024*1024 {
			return // longer than a line may be
		}
		got := mountsUnder(strings.NewReader(text), dir)
		clean := filepath.Clean(dir)
		var want []string
		for _, l := range strings.Split(text, "\n") {
			// As bufio.ScanLines: a line may end in \r\n.
			l = strings.TrimSuffix(l, "\r")
			if m, ok := ParseMount(l); ok && (m.Point == clean || strings.HasPrefix(m.Point, clean+"/")) {
				want = append([]string{m.Point}, want...)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("mountsUnder(%q, %q) = %q, want %q", text, dir, got, want)
		}
	})
}
