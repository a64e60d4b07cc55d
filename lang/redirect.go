package lang

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/nsctx"
)

// RedirError is a redirection that could not be made.
type RedirError struct {
	Op, Path string
	Err      error
}

func (e *RedirError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("cannot redirect %s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("cannot redirect %s %s: %v", e.Op, e.Path, e.Err)
}

func (e *RedirError) Unwrap() error { return e.Err }

// redirect makes rs on a copy of t, left to right as sh does (>f 2>&1
// sends both to f). Files are opened as the context sees them: its mount
// namespace and working directory. With no redirections, t itself.
func (sh *Shell) redirect(t *fdTable, rs []*syntax.Redirect) (*fdTable, error) {
	if len(rs) == 0 {
		return t, nil
	}
	n := t.copy()
	for _, r := range rs {
		if err := sh.redirect1(n, r); err != nil {
			n.close()
			return nil, err
		}
	}
	return n, nil
}

func (sh *Shell) redirect1(t *fdTable, r *syntax.Redirect) error {
	fd := 1
	switch r.Op {
	case syntax.RdrIn, syntax.RdrInOut, syntax.DplIn, syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc:
		fd = 0
	}
	if r.N != nil {
		n, err := strconv.Atoi(r.N.Value)
		if err != nil {
			return &RedirError{Op: r.Op.String(), Err: fmt.Errorf("{%s} descriptors are not supported by nsh", r.N.Value)}
		}
		fd = n
	}
	if fd < 0 || fd >= maxFd {
		return &RedirError{Op: r.N.Value + r.Op.String(), Err: errors.New("only descriptors 0 to 9 can be redirected")}
	}
	switch r.Op {
	case syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc:
		text, err := sh.hereDoc(r)
		if err != nil {
			return err
		}
		f, err := memFile(text)
		if err != nil {
			return &RedirError{Op: r.Op.String(), Err: err}
		}
		t.set(fd, f, true)
		return nil
	}
	word, err := sh.redirWord(r.Word)
	if err != nil {
		return err
	}
	switch r.Op {
	case syntax.DplIn, syntax.DplOut:
		if word == "-" {
			t.set(fd, nil, false)
			return nil
		}
		m, err := strconv.Atoi(word)
		if err != nil {
			if r.Op == syntax.DplOut && r.N == nil {
				// >&FILE is bash's &>FILE.
				return sh.open(t, syntax.RdrAll, word, 1)
			}
			return &RedirError{Op: r.Op.String(), Path: word, Err: errors.New("not a descriptor number")}
		}
		if m < 0 || m >= maxFd || t.get(m) == nil {
			return &RedirError{Op: r.Op.String(), Path: word, Err: errors.New("bad file descriptor")}
		}
		t.dup(fd, m)
		return nil
	}
	return sh.open(t, r.Op, word, fd)
}

// redirWord is a redirection's file: one word, a pattern that names one
// file allowed (as bash), anything else ambiguous.
func (sh *Shell) redirWord(w *syntax.Word) (string, error) {
	fs, err := sh.fields(w)
	if err != nil {
		return "", err
	}
	if len(fs) != 1 {
		text := pipeText(w)
		return "", &RedirError{Op: "to", Path: text, Err: errors.New("ambiguous redirect")}
	}
	return fs[0], nil
}

// open opens the file of a redirection in the context.
func (sh *Shell) open(t *fdTable, op syntax.RedirOperator, path string, fd int) error {
	flags := os.O_RDONLY
	switch op {
	case syntax.RdrOut, syntax.RdrAll:
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	case syntax.RdrClob:
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	case syntax.AppOut, syntax.AppAll:
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	case syntax.RdrInOut:
		flags = os.O_RDWR | os.O_CREATE
	}
	if sh.allow != nil {
		path = os.DevNull // a sandbox writes nothing
	}
	noclobber := sh.opts.noclobber && (op == syntax.RdrOut || op == syntax.RdrAll)
	var f *os.File
	err := sh.cx.files(func(fs nsctx.FS) (err error) {
		if noclobber {
			// set -C: > refuses an existing regular file; >| overrides.
			if g, err := fs.Open(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666); err == nil {
				f = g
				return nil
			}
			g, err := fs.Open(path, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			if st, serr := g.Stat(); serr == nil && st.Mode().IsRegular() {
				g.Close()
				return errors.New("cannot overwrite existing file (set -C; >| does)")
			}
			f = g
			return nil
		}
		f, err = fs.Open(path, flags, 0o666)
		if err == nil && op == syntax.RdrIn {
			if st, serr := f.Stat(); serr == nil && st.IsDir() {
				f.Close()
				return unix.EISDIR
			}
		}
		return err
	})
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		if errors.Is(err, unix.EISDIR) {
			err = errors.New("is a directory")
		}
		return &RedirError{Op: op.String(), Path: path, Err: err}
	}
	t.set(fd, f, true)
	if op == syntax.RdrAll || op == syntax.AppAll {
		t.dup(2, fd)
	}
	return nil
}

// hereDoc is the text a here-document (or <<< word) gives: expanded
// unless its delimiter was quoted; <<- strips leading tabs.
func (sh *Shell) hereDoc(r *syntax.Redirect) (string, error) {
	if r.Op == syntax.WordHdoc {
		s, err := sh.literal(r.Word)
		return s + "\n", err
	}
	if r.Hdoc == nil {
		return "", nil
	}
	body := r.Hdoc
	if r.Op == syntax.DashHdoc {
		body = stripTabs(body)
	}
	quoted := false
	for _, p := range r.Word.Parts {
		if _, ok := p.(*syntax.Lit); !ok {
			quoted = true
		}
	}
	if strings.ContainsAny(r.Word.Lit(), `\`) {
		quoted = true
	}
	var text string
	if quoted {
		var b strings.Builder
		for _, p := range body.Parts {
			if l, ok := p.(*syntax.Lit); ok {
				b.WriteString(l.Value)
			}
		}
		text = b.String()
	} else {
		body, err := sh.fixWord(body, inHeredoc)
		if err != nil {
			return "", err
		}
		if text, err = expand.Document(sh.expandCfg(), body); err != nil {
			return "", err
		}
	}
	return text, nil
}

// stripTabs is a <<- body without the tabs that start its lines.
func stripTabs(w *syntax.Word) *syntax.Word {
	out := &syntax.Word{}
	start := true
	for _, p := range w.Parts {
		lit, ok := p.(*syntax.Lit)
		if !ok {
			out.Parts = append(out.Parts, p)
			start = false
			continue
		}
		var b strings.Builder
		for _, line := range strings.SplitAfter(lit.Value, "\n") {
			if start {
				line = strings.TrimLeft(line, "\t")
			}
			b.WriteString(line)
			start = strings.HasSuffix(line, "\n")
		}
		out.Parts = append(out.Parts, &syntax.Lit{Value: b.String()})
	}
	return out
}

// memFile is a file holding text, read from its start: a here-document.
// It is a real file (memfd), so programs get a descriptor they can seek,
// and nothing is left to copy in a goroutine.
func memFile(text string) (*os.File, error) {
	fd, err := unix.MemfdCreate("nsh-heredoc", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "here-document")
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, 0); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
