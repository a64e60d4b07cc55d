package capture

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// output is n bytes of text with NULs and newlines among them, ending in
// newlines, and what $(...) makes of it.
func output(n int) (raw []byte, want string) {
	rng := rand.New(rand.NewPCG(1, 2))
	raw = make([]byte, n)
	for i := range raw {
		switch r := rng.IntN(100); {
		case r < 3:
			raw[i] = 0
		case r < 10:
			raw[i] = '\n'
		default:
			raw[i] = byte('a' + r%26)
		}
	}
	copy(raw[n-3:], "\n\n\n")
	return raw, strings.TrimRight(strings.ReplaceAll(string(raw), "\x00", ""), "\n")
}

// jerky reads in pieces of changing size, as a pipe gives them.
type jerky struct {
	r   io.Reader
	rng *rand.Rand
}

func (j *jerky) Read(p []byte) (int, error) {
	return j.r.Read(p[:min(len(p), 1+j.rng.IntN(100<<10))])
}

// The output comes out whole past every point where the chunks grow
// (4 KiB doubling to 4 MiB, then 4 MiB each), read or written.
func TestTakeIntact(t *testing.T) {
	raw, want := output(13<<20 + 12345)
	var b Buffer
	if _, err := b.ReadFrom(&jerky{bytes.NewReader(raw), rand.New(rand.NewPCG(3, 4))}); err != nil {
		t.Fatal(err)
	}
	if b.Len() != int64(len(raw)) {
		t.Fatalf("Len %d, want %d", b.Len(), len(raw))
	}
	if got := b.Take(); got != want {
		t.Fatalf("read: got %d bytes, want %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
	}
	if b.Len() != 0 || b.Take() != "" {
		t.Fatal("Take did not empty the buffer")
	}
	for p := raw; len(p) > 0; {
		n := min(len(p), 1+len(p)%77777)
		if _, err := b.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if got := b.Take(); got != want {
		t.Fatalf("written: got %d bytes, want %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Max bytes pass; one more fails, and no more than that one is read.
func TestLimit(t *testing.T) {
	const max = 10000
	b := Buffer{Max: max}
	if _, err := b.ReadFrom(strings.NewReader(strings.Repeat("x", max))); err != nil {
		t.Fatalf("exactly Max bytes: %v", err)
	}
	if got := b.Take(); len(got) != max {
		t.Fatalf("got %d bytes, want %d", len(got), max)
	}
	src := strings.NewReader(strings.Repeat("y", 3*max))
	n, err := b.ReadFrom(src)
	var le *LimitError
	if !errors.As(err, &le) || le.Max != max {
		t.Fatalf("over Max: %v, want a LimitError of %d", err, max)
	}
	if n != max+1 || src.Len() != 2*max-1 {
		t.Errorf("read %d bytes (%d left), want %d: one past the limit", n, src.Len(), max+1)
	}
	if _, err := b.Write([]byte("z")); !errors.As(err, &le) {
		t.Errorf("a write after the limit: %v, want the LimitError", err)
	}
	b = Buffer{Max: max}
	if n, err := b.Write(make([]byte, max+5)); !errors.As(err, &le) || n != max+1 {
		t.Errorf("Write over Max: %d, %v; want %d and a LimitError", n, err, max+1)
	}
	if got := le.Error(); got != "output over the limit of 10000 bytes" {
		t.Errorf("message %q", got)
	}
}

// Reading and taking N bytes allocates about 2N (the chunks, and the
// string), not the 3N of a doubling slice and its copy.
func TestAllocatesTwice(t *testing.T) {
	const n = 64 << 20
	src := bytes.NewReader(bytes.Repeat([]byte("a"), n))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var b Buffer
	if _, err := b.ReadFrom(src); err != nil {
		t.Fatal(err)
	}
	s := b.Take()
	runtime.ReadMemStats(&after)
	if len(s) != n {
		t.Fatalf("got %d bytes", len(s))
	}
	if got, max := after.TotalAlloc-before.TotalAlloc, uint64(2*n+maxChunk+1<<20); got > max {
		t.Errorf("allocated %d MiB for %d MiB of output, want at most %d MiB", got>>20, n>>20, max>>20)
	}
}

func TestSize(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "1048576": 1 << 20, "512M": 512 << 20, "2g": 2 << 30, "64k": 64 << 10} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "-1", "+5", "M", "1.5G", "1T", "12 M", "99999999999G"} {
		if n, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", bad, n)
		}
	}
	for n, want := range map[int64]string{256 << 20: "256 MiB", 1 << 30: "1 GiB", 3 << 10: "3 KiB", 1000: "1000 bytes", 1536 << 10: "1536 KiB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
