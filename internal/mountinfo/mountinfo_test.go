package mountinfo

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// line formats m as the kernel would.
func line(m Mount) string {
	return fmt.Sprintf("36 25 %s %s %s rw,relatime shared:1 - %s src rw", m.Dev, Escape(m.Root), Escape(m.Point), m.FSType)
}

func TestParse(t *testing.T) {
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
		got, ok := Parse(tc.line)
		if ok != tc.ok || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParse: no line makes Parse panic, and a mount it reads comes back
// the same from the line the kernel would write for it.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := Parse(s)
		if !ok {
			return
		}
		if strings.Contains(m.Dev, " ") || m.FSType == "" || strings.Contains(m.FSType, " ") {
			t.Fatalf("Parse(%q) = %+v: a field with a space, or no type", s, m)
		}
		again, ok := Parse(line(m))
		if !ok || again != m {
			t.Fatalf("Parse(%q) = %+v; its line %q parses as %+v, %v", s, m, line(m), again, ok)
		}
	})
}

// FuzzUnescape: Unescape undoes Escape, never grows a string, and leaves
// one without a backslash alone.
func FuzzUnescape(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		if got := Unescape(Escape(s)); got != s {
			t.Fatalf("Unescape(Escape(%q)) = %q", s, got)
		}
		u := Unescape(s)
		if len(u) > len(s) || !strings.Contains(s, `\`) && u != s {
			t.Fatalf("Unescape(%q) = %q", s, u)
		}
	})
}

// FuzzUnder: whatever mountinfo says, Under lists only mount points at or
// below the directory, each of a line that says so, latest first.
func FuzzUnder(f *testing.F) {
	f.Fuzz(func(t *testing.T, text, dir string) {
		if len(text) > 1024*1024 {
			return // longer than a line may be
		}
		got := under(strings.NewReader(text), dir)
		clean := filepath.Clean(dir)
		var want []string
		for _, l := range strings.Split(text, "\n") {
			// As bufio.ScanLines: a line may end in \r\n.
			l = strings.TrimSuffix(l, "\r")
			if m, ok := Parse(l); ok && (m.Point == clean || strings.HasPrefix(m.Point, clean+"/")) {
				want = append([]string{m.Point}, want...)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("under(%q, %q) = %q, want %q", text, dir, got, want)
		}
	})
}
