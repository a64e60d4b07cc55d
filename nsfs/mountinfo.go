package nsfs

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Mount is one line of a mountinfo file (proc(5)), paths unescaped.
type Mount struct {
	Dev    string // MAJOR:MINOR
	Root   string // the root of the mount in its filesystem; "net:[INODE]" for a pin
	Point  string // the mount point
	FSType string
}

// ParseMount reads one line of a mountinfo file. Fields are split at single
// spaces: the kernel escapes space, tab, newline and backslash in paths
// (\040...) but no other white space, so a path may hold a carriage
// return or a no-break space, where strings.Fields would split it.
func ParseMount(line string) (Mount, bool) {
	pre, post, ok := strings.Cut(line, " - ")
	if !ok {
		return Mount{}, false
	}
	// ID PARENT MAJOR:MINOR ROOT POINT OPTIONS [OPTIONAL...]
	f := strings.Split(pre, " ")
	// FSTYPE SOURCE SUPEROPTIONS
	g := strings.Split(post, " ")
	if len(f) < 6 || len(g) < 3 || g[0] == "" {
		return Mount{}, false
	}
	return Mount{Dev: f[2], Root: UnescapeMountinfo(f[3]), Point: UnescapeMountinfo(f[4]), FSType: g[0]}, true
}

// MountsUnder lists the mount points at or below dir in the calling thread's
// mount namespace, the latest first (the order to unmount them in).
func MountsUnder(dir string) []string {
	f, err := os.Open("/proc/thread-self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	return mountsUnder(f, dir)
}

// under is Under reading mountinfo from r.
func mountsUnder(r io.Reader, dir string) []string {
	dir = filepath.Clean(dir)
	var ms []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		m, ok := ParseMount(sc.Text())
		if ok && (m.Point == dir || strings.HasPrefix(m.Point, dir+"/")) {
			ms = append(ms, m.Point)
		}
	}
	slices.Reverse(ms)
	return ms
}

// EscapeMountinfo escapes a path as the kernel does in mountinfo: space, tab,
// newline and backslash as \ooo.
func EscapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; strings.IndexByte(" \t\n\\", c) >= 0 {
			fmt.Fprintf(&b, `\%03o`, c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// UnescapeMountinfo undoes the octal escapes (\040 for a space) of mountinfo.
func UnescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
