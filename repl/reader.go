package repl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// LineReader is where the shell's input comes from: a terminal with
// readline, or a script. Interactive and script input share this one small
// interface; the shell does not otherwise care which it has.
type LineReader interface {
	// ReadLine returns one physical line without its newline. io.EOF
	// ends the input; ErrInterrupted means Ctrl-C at the prompt.
	ReadLine(prompt string) (string, error)
	Close() error
}

// ErrInterrupted is returned by an interactive reader for Ctrl-C.
var ErrInterrupted = errors.New("interrupted")

// scriptReader reads a script line by line from a file, a pipe or -c text.
type scriptReader struct{ r *bufio.Reader }

func newScriptReader(r io.Reader) *scriptReader {
	return &scriptReader{bufio.NewReaderSize(r, 64*1024)}
}

func (s *scriptReader) ReadLine(string) (string, error) {
	line, err := s.r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if strings.IndexByte(line, 0) >= 0 {
		return "", fmt.Errorf("binary data (NUL byte) in input")
	}
	return line, nil
}

func (s *scriptReader) Close() error { return nil }

// logicalLine reads one command line: physical lines joined while a quote
// is open (the newline is kept) or a line ends with a backslash (both are
// dropped, as in sh). It returns the line number where it started.
type lineSource struct {
	r    LineReader
	line int // physical lines read so far
}

func (ls *lineSource) next(prompt, more string) (text string, start int, err error) {
	var b strings.Builder
	p := prompt
	for {
		line, err := ls.r.ReadLine(p)
		if err != nil {
			if errors.Is(err, io.EOF) && b.Len() > 0 {
				return "", start, fmt.Errorf("unexpected end of input: %w", ErrIncomplete)
			}
			return "", ls.line + 1, err
		}
		ls.line++
		if b.Len() == 0 {
			start = ls.line
		}
		b.WriteString(line)
		cur := b.String()
		if !needsMore(cur) {
			return cur, start, nil
		}
		if strings.HasSuffix(cur, `\`) && !needsMore(cur[:len(cur)-1]) {
			// Line continuation: drop the backslash and the newline.
			b.Reset()
			b.WriteString(cur[:len(cur)-1])
		} else {
			b.WriteByte('\n')
		}
		p = more
	}
}
