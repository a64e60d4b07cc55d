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

// lineSource reads chunks of input that parse: physical lines are joined
// (with their newlines) while the text ends inside a quote, after a
// backslash, or after | && ||. It counts lines, for script messages.
type lineSource struct {
	r    LineReader
	line int // physical lines read so far
}

// remembering is a reader that keeps a history of whole commands.
type remembering interface{ Remember(text string) }

// next returns the next parsed chunk and the number of its first line.
func (ls *lineSource) next(prompt func() string, more string) (List, int, error) {
	var b strings.Builder
	p := prompt()
	start := ls.line + 1
	until := ""
	for {
		line, err := ls.r.ReadLine(p)
		if err != nil {
			if errors.Is(err, io.EOF) && b.Len() > 0 {
				list, perr := Parse(b.String())
				if perr == nil {
					// 'echo abc\' then the end: the continuation
					// continues with nothing, as in sh.
					return list, start, nil
				}
				return nil, start, fmt.Errorf("unexpected end of input: %v", perr)
			}
			return nil, ls.line + 1, err
		}
		ls.line++
		b.WriteString(line)
		if until != "" && ls.line-start > 64 && !strings.Contains(line, until) {
			// Still incomplete: nothing that could end it came. (Short
			// chunks are parsed every line, so that a syntax error typed
			// in a loop shows at once.)
			b.WriteByte('\n')
			continue
		}
		list, err := Parse(b.String())
		if errors.Is(err, ErrIncomplete) {
			b.WriteByte('\n')
			p = more
			var ie *IncompleteError
			until = ""
			if errors.As(err, &ie) {
				until = ie.Until
			}
			continue
		}
		if rm, ok := ls.r.(remembering); ok {
			rm.Remember(b.String())
		}
		return list, start, err
	}
}
