package repl

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse feeds the parser arbitrary input: it must never panic or
// hang, must return either a list or one of its two error types, and
// line numbers must stay within the input. The corpus is kept in
// testdata/fuzz/FuzzParse; run with go test -fuzz=FuzzParse ./repl.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"unshare net uts\nhostname lab\n", "a | b && c || d &", "echo 'x' \"$A ${B}\" ~/f",
		"a 2>&1 >f <g >>h", "a |", "'", "\\", "${", "| |", "\x00\xff", "! a | b",
		"A=1 b", "echo $(a | b) \"$(c)\"", "for i in a b; do x; done", "for i\ndo\nx\ndone", "$(", "$($(x)", "echo $(a\n|)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		l, err := Parse(src)
		lines := strings.Count(src, "\n") + 1
		var se *SyntaxError
		switch {
		case err == nil:
			for _, ao := range l {
				if ao.Line < 1 || ao.Line > lines {
					t.Fatalf("line %d out of 1..%d", ao.Line, lines)
				}
				if ao.Loop == nil && len(ao.Pipes) != len(ao.Ops)+1 {
					t.Fatalf("%d pipes, %d operators", len(ao.Pipes), len(ao.Ops))
				}
				for _, p := range ao.Pipes {
					for _, c := range p.Cmds {
						if len(c.Words) == 0 && len(c.Assigns) == 0 {
							t.Fatal("command without words")
						}
					}
				}
			}
		case errors.Is(err, ErrIncomplete):
		case errors.As(err, &se):
			if se.Line < 1 || se.Line > lines {
				t.Fatalf("error line %d out of 1..%d", se.Line, lines)
			}
		default:
			t.Fatalf("unexpected error type %T: %v", err, err)
		}
	})
}
