package nsctx

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/nsh-dev/nsh/internal/mountinfo"
)

// nsfsLine is the mountinfo line the kernel writes for a pin.
func nsfsLine(p PinInfo) string {
	return fmt.Sprintf("43 27 0:4 %s:[%d] %s rw,relatime shared:7 - nsfs nsfs rw", p.Kind, p.Ino, mountinfo.Escape(p.Path))
}

// FuzzParseNsfsMount: no line makes the mountinfo parsers panic, and a pin
// ParseNsfsMount reads comes back the same from its kernel line.
func FuzzParseNsfsMount(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string) {
		parseMountinfo(line)
		p, ok := ParseNsfsMount(line)
		if !ok {
			return
		}
		if p.Kind < 0 || p.Kind >= NumKinds {
			t.Fatalf("ParseNsfsMount(%q): kind %d", line, p.Kind)
		}
		if again, ok := ParseNsfsMount(nsfsLine(p)); !ok || again != p {
			t.Fatalf("ParseNsfsMount(%q) = %+v; its line %q gives %+v, %v", line, p, nsfsLine(p), again, ok)
		}
	})
}

// FuzzNsfsMountRoundTrip: every pin, whatever its path, is read back from
// its kernel line as it is, by ParseNsfsMount and by parseMountinfo (what
// pins and pin bookkeeping read).
func FuzzNsfsMountRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, path string, kind uint8, ino uint64) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path // a mount point is absolute
		}
		p := PinInfo{Path: path, Kind: Kind(kind) % NumKinds, Ino: ino}
		line := nsfsLine(p)
		if got, ok := ParseNsfsMount(line); !ok || got != p {
			t.Fatalf("ParseNsfsMount(%q) = %+v, %v; want %+v", line, got, ok, p)
		}
		// parseMountinfo splits with strings.Fields, so white space that
		// the kernel does not escape (\r, \v, \f, U+0085, U+00A0...)
		// breaks the path there; only ParseNsfsMount is checked on such.
		if strings.IndexFunc(path, func(r rune) bool { return unicode.IsSpace(r) && !strings.ContainsRune(" \t\n", r) }) >= 0 {
			return
		}
		if got, ok := parseMountinfo(line); !ok || got != p {
			t.Fatalf("parseMountinfo(%q) = %+v, %v; want %+v", line, got, ok, p)
		}
	})
}
