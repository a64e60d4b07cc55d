package repl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/shlex"
)

// ErrIncomplete means the input ends inside quotes or after a trailing
// backslash: more lines are needed to finish the command.
var ErrIncomplete = errors.New("unterminated quote or trailing backslash")

// splitCommands splits a logical line into commands at every ';' and
// newline outside quotes, and each command into words with shlex (quotes,
// backslashes and '#' comments). Empty commands are dropped. It returns
// ErrIncomplete when the text is not finished.
func splitCommands(src string) ([][]string, error) {
	var cmds [][]string
	segs, err := splitSeparators(src)
	if err != nil {
		return nil, err
	}
	for _, seg := range segs {
		words, err := shlex.Split(seg)
		if err != nil {
			return nil, fmt.Errorf("syntax error: %v", err)
		}
		if len(words) > 0 {
			cmds = append(cmds, words)
		}
	}
	return cmds, nil
}

// splitSeparators cuts src at unquoted ';' and newlines. It understands
// just enough of the quoting that shlex applies to know where a separator
// or a comment is real.
func splitSeparators(src string) ([]string, error) {
	var segs []string
	start := 0
	const (
		plain = iota
		single
		double
	)
	state := plain
	wordStart := true
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch state {
		case single:
			if c == '\'' {
				state = plain
			}
			continue
		case double:
			switch c {
			case '\\':
				i++
			case '"':
				state = plain
			}
			if i >= len(src) {
				return nil, ErrIncomplete
			}
			continue
		}
		switch c {
		case '\\':
			if i+1 >= len(src) {
				return nil, ErrIncomplete
			}
			i++
			wordStart = false
			continue
		case '\'':
			state = single
		case '"':
			state = double
		case '#':
			if wordStart {
				// A comment runs to the end of the line.
				nl := strings.IndexByte(src[i:], '\n')
				segs = append(segs, src[start:i])
				if nl < 0 {
					return segs, nil
				}
				i += nl
				start = i + 1
				wordStart = true
				continue
			}
		case ';', '\n':
			segs = append(segs, src[start:i])
			start = i + 1
			wordStart = true
			continue
		}
		wordStart = c == ' ' || c == '\t' || c == '\r'
	}
	if state != plain {
		return nil, ErrIncomplete
	}
	return append(segs, src[start:]), nil
}

// needsMore reports whether a line ends with an unescaped backslash or
// leaves a quote open, so the next line continues it.
func needsMore(src string) bool {
	_, err := splitSeparators(src)
	return errors.Is(err, ErrIncomplete)
}
