package nsfs

import (
	"fmt"
	"strings"
	"testing"
)

// nsfsLine is the mountinfo line the kernel writes for a pin.
func nsfsLine(p Pin) string {
	return fmt.Sprintf("43 27 0:4 %s:[%d] %s rw,relatime shared:7 - nsfs nsfs rw", p.Kind, p.Ino, EscapeMountinfo(p.Path))
}

// FuzzParsePin: no line makes ParsePin panic, and a pin
// ParsePin reads comes back the same from its kernel line.
func FuzzParsePin(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string) {
		p, ok := ParsePin(line)
		if !ok {
			return
		}
		if p.Kind < 0 || p.Kind >= NumKinds {
			t.Fatalf("ParsePin(%q): kind %d", line, p.Kind)
		}
		if again, ok := ParsePin(nsfsLine(p)); !ok || again != p {
			t.Fatalf("ParsePin(%q) = %+v; its line %q gives %+v, %v", line, p, nsfsLine(p), again, ok)
		}
	})
}

// FuzzPinRoundTrip: every pin, whatever its path, is read back from
// its kernel line as it is, by ParsePin (what pins and pin
// bookkeeping read).
func FuzzPinRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, path string, kind uint8, ino uint64) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path // a mount point is absolute
		}
		p := Pin{Path: path, Kind: Kind(kind) % NumKinds, Ino: ino}
		line := nsfsLine(p)
		if got, ok := ParsePin(line); !ok || got != p {
			t.Fatalf("ParsePin(%q) = %+v, %v; want %+v", line, got, ok, p)
		}
	})
}
