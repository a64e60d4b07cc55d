package nsinfo

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// The parsers of what /proc says: no input makes them panic, and what
// they read comes back from the text the kernel would write for it.

// FuzzParseNsLink: a namespace link, "KIND:[INODE]".
func FuzzParseNsLink(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte, kind []byte, ino uint64) {
		if k, n, ok := parseNsLink(b); ok && (n == 0 || !bytes.HasPrefix(b, append(k, ":["...))) {
			t.Fatalf("parseNsLink(%q) = %q, %d", b, k, n)
		}
		if ino == 0 || len(kind) == 0 || bytes.Contains(kind, []byte(":[")) {
			return // no link has inode 0, or no kind, or ":[" in it
		}
		link := fmt.Appendf(nil, "%s:[%d]", kind, ino)
		if k, n, ok := parseNsLink(link); !ok || !bytes.Equal(k, kind) || n != ino {
			t.Fatalf("parseNsLink(%q) = %q, %d, %v", link, k, n, ok)
		}
	})
}

// FuzzAtou: a decimal number, or 0.
func FuzzAtou(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte, n uint64) {
		if got, err := strconv.ParseUint(string(b), 10, 64); err == nil && atou(b) != got {
			t.Fatalf("atou(%q) = %d, want %d", b, atou(b), got)
		}
		if got := atou([]byte(strconv.FormatUint(n, 10))); got != n {
			t.Fatalf("atou(%d) = %d", n, got)
		}
	})
}

// FuzzParseStat: /proc/PID/stat, whose comm may hold spaces and
// parentheses.
func FuzzParseStat(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte, comm string, state byte, ppid, threads, flags uint32) {
		parseStat(b)
		if strings.ContainsAny(comm, "\x00\n") || len(comm) > 64 {
			return // not a comm the kernel gives
		}
		st := "SRDTtIXZ"[state%8]
		line := fmt.Sprintf("1234 (%s) %c %d 1234 1234 0 -1 %d 93 0 0 0 0 0 0 0 20 0 %d 0 5 8228864 224 18446744073709551615", comm, st, ppid, flags, threads)
		c, p, n, k, ok := parseStat([]byte(line))
		if live := st != 'Z' && st != 'X'; ok != live {
			t.Fatalf("parseStat(%q): ok %v", line, ok)
		}
		const pfKthread = 0x00200000
		if ok && (c != comm || p != int(ppid) || n != int(threads) || k != (flags&pfKthread != 0)) {
			t.Fatalf("parseStat(%q) = %q %d %d %v", line, c, p, n, k)
		}
	})
}

// FuzzMountDev: the MAJOR:MINOR field of a mountinfo line.
func FuzzMountDev(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string, major, minor uint32) {
		mountDev(line)
		l := fmt.Sprintf("43 27 %d:%d net:[1] /p rw - nsfs nsfs rw", major, minor)
		if got := mountDev(l); got != unix.Mkdev(major, minor) {
			t.Fatalf("mountDev(%q) = %#x", l, got)
		}
	})
}

// FuzzParseNsfsMounts: the nsfs mounts of a whole mountinfo file are
// those of its lines, one by one.
func FuzzParseNsfsMounts(f *testing.F) {
	f.Fuzz(func(t *testing.T, text []byte) {
		got := parseNsfsMounts(text)
		var want []nsfsMount
		for _, l := range strings.Split(string(text), "\n") {
			if p, ok := nsfs.ParsePin(l); ok {
				want = append(want, nsfsMount{p, mountDev(l)})
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("parseNsfsMounts(%q) = %+v, want %+v", text, got, want)
		}
	})
}
