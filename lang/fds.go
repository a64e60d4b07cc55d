package lang

import (
	"os"
	"sync/atomic"
)

// maxFd bounds the descriptors a script can name: 0 to 9, as POSIX
// requires of every shell.
const maxFd = 10

// fdTable is a shell's descriptors 0-9 as its commands see them. nsh keeps
// them as files of its own (all close-on-exec) and gives programs copies
// at their numbers when they start; builtins read and write them directly.
// A file opened by a redirection is shared by the tables copied while it
// is in use (a subshell's, a pipeline stage's) and closed when the last
// one lets it go.
type fdTable struct {
	f [maxFd]*sharedFile
}

// sharedFile is a file with a count of the tables holding it; nil count:
// not the shell's to close (the descriptors nsh started with).
type sharedFile struct {
	file *os.File
	refs *atomic.Int32
}

func newFdTable(in, out, err *os.File) *fdTable {
	t := &fdTable{}
	for i, f := range []*os.File{in, out, err} {
		if f != nil {
			t.f[i] = &sharedFile{file: f}
		}
	}
	return t
}

func (t *fdTable) get(n int) *os.File {
	if n < 0 || n >= maxFd || t.f[n] == nil {
		return nil
	}
	return t.f[n].file
}

// copy is a table of its own holding the same files.
func (t *fdTable) copy() *fdTable {
	c := &fdTable{f: t.f}
	for _, s := range c.f {
		if s != nil && s.refs != nil {
			s.refs.Add(1)
		}
	}
	return c
}

// set makes n refer to f; own says the table must close f when it lets it
// go. What n referred to before is let go.
func (t *fdTable) set(n int, f *os.File, own bool) {
	old := t.f[n]
	if f == nil {
		t.f[n] = nil
	} else if own {
		refs := new(atomic.Int32)
		refs.Store(1)
		t.f[n] = &sharedFile{file: f, refs: refs}
	} else {
		t.f[n] = &sharedFile{file: f}
	}
	release(old)
}

// dup makes n refer to what m refers to (n>&m).
func (t *fdTable) dup(n, m int) {
	s := t.f[m]
	if s != nil && s.refs != nil {
		s.refs.Add(1)
	}
	old := t.f[n]
	t.f[n] = s
	release(old)
}

func release(s *sharedFile) {
	if s != nil && s.refs != nil && s.refs.Add(-1) == 0 {
		s.file.Close()
	}
}

// close lets every file go.
func (t *fdTable) close() {
	for i, s := range t.f {
		release(s)
		t.f[i] = nil
	}
}

// extra are the descriptors above 2 for a program: ExtraFiles, nil for a
// closed one, as short as it can be.
func (t *fdTable) extra() []*os.File {
	n := 0
	for i := 3; i < maxFd; i++ {
		if t.f[i] != nil {
			n = i - 2
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]*os.File, n)
	for i := range out {
		out[i] = t.get(i + 3)
	}
	return out
}
