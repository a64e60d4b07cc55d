// Package capture collects the output of a command substitution: up to a
// limit, and in no more than twice its size.
package capture

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Buffer is a $(...)'s output as it arrives. Write and ReadFrom add to it
// until it holds more than Max bytes (0: no limit); then they fail with a
// *LimitError, and the caller should stop reading (closing a pipe's read
// end gives its writers EPIPE, and a program SIGPIPE, so none hangs).
//
// The bytes go into chunks that are never moved: a slice that doubles as
// it grows holds the old and the new array while it copies and leaves
// the old ones behind as garbage, up to about three times the output.
// Take copies the chunks once, so the peak is the output twice.
type Buffer struct {
	Max    int64
	chunks [][]byte
	n      int64
	err    error
}

// The first chunks are small (most output is a name or a number); each
// new one is as big as all before it, up to maxChunk, so no more than
// that is ever allocated and left unused.
const (
	minChunk = 4 << 10
	maxChunk = 4 << 20
)

// LimitError is output over the limit.
type LimitError struct{ Max int64 }

func (e *LimitError) Error() string { return "output over the limit of " + FormatSize(e.Max) }

// Len is the number of bytes held.
func (b *Buffer) Len() int64 { return b.n }

// room is the free space after the last chunk, in a new chunk if it has
// none. It never reaches more than one byte past Max: that byte tells
// that the output is over.
func (b *Buffer) room() []byte {
	if k := len(b.chunks); k > 0 {
		if c := b.chunks[k-1]; len(c) < cap(c) {
			return c[len(c):cap(c)]
		}
	}
	size := min(max(b.n, minChunk), maxChunk)
	if b.Max > 0 {
		size = min(size, b.Max+1-b.n)
	}
	b.chunks = append(b.chunks, make([]byte, 0, size))
	return b.chunks[len(b.chunks)-1][:size]
}

// grew records n bytes put into room's space.
func (b *Buffer) grew(n int) error {
	k := len(b.chunks) - 1
	b.chunks[k] = b.chunks[k][:len(b.chunks[k])+n]
	b.n += int64(n)
	if b.Max > 0 && b.n > b.Max {
		b.err = &LimitError{b.Max}
	}
	return b.err
}

// Write adds p.
func (b *Buffer) Write(p []byte) (int, error) {
	done := 0
	for len(p) > 0 && b.err == nil {
		n := copy(b.room(), p)
		p, done = p[n:], done+n
		b.grew(n)
	}
	return done, b.err
}

// ReadFrom reads r to its end straight into the chunks.
func (b *Buffer) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for b.err == nil {
		n, err := r.Read(b.room())
		total += int64(n)
		b.grew(n)
		if err == io.EOF {
			break
		}
		if err != nil && b.err == nil {
			return total, err
		}
	}
	return total, b.err
}

// Take returns the output as $(...) gives it, NUL bytes dropped (no
// argument can hold one, and sh drops them too) and trailing newlines
// cut, and empties b. The string is the one copy made: the chunks are
// let go.
func (b *Buffer) Take() string {
	var s strings.Builder
	b.TakeInto(&s)
	return strings.TrimRight(s.String(), "\n")
}

// TakeInto is Take into s, which grows once, without cutting the trailing
// newlines (expand.Config.CmdSubst's writer cuts them itself).
func (b *Buffer) TakeInto(s *strings.Builder) {
	s.Grow(int(b.n))
	for i, c := range b.chunks {
		for len(c) > 0 {
			j := bytes.IndexByte(c, 0)
			if j < 0 {
				s.Write(c)
				break
			}
			s.Write(c[:j])
			c = c[j+1:]
		}
		b.chunks[i] = nil
	}
	*b = Buffer{Max: b.Max}
}

var units = []struct {
	suffix string
	shift  uint
}{{"G", 30}, {"M", 20}, {"K", 10}}

// ParseSize reads a size in bytes: a positive number, with K, M or G
// (binary: 1K is 1024) after it or not.
func ParseSize(s string) (int64, error) {
	digits, shift := strings.ToUpper(s), uint(0)
	for _, u := range units {
		if d, ok := strings.CutSuffix(digits, u.suffix); ok {
			digits, shift = d, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || digits[0] == '+' || n > (1<<62)>>shift {
		return 0, fmt.Errorf("%q is not a size (a number of bytes, as 1048576 or 512M)", s)
	}
	return n << shift, nil
}

// FormatSize writes n in the largest binary unit that divides it: 256 MiB.
func FormatSize(n int64) string {
	for _, u := range units {
		if n > 0 && n%(1<<u.shift) == 0 {
			return strconv.FormatInt(n>>u.shift, 10) + " " + u.suffix + "iB"
		}
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
