package builtins_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
)

// utilShell is the little of the language's shell that test, printf,
// read and the like use: variables (some read-only), $1..$N and set -o
// options. What it does not fake panics (the embedded Lang is nil).
type utilShell struct {
	builtins.Lang
	vars   map[string]string
	ro     map[string]bool
	params []string
	opts   map[string]bool
}

func newUtilShell() *utilShell {
	return &utilShell{vars: map[string]string{}, ro: map[string]bool{}, opts: map[string]bool{}}
}

func (s *utilShell) Var(name string) (string, bool) {
	v, ok := s.vars[name]
	return v, ok
}

func (s *utilShell) Assign(name, value string) error {
	if s.ro[name] {
		return fmt.Errorf("%s: readonly variable", name)
	}
	s.vars[name] = value
	return nil
}

func (s *utilShell) Params() []string { return s.params }

func (s *utilShell) Option(name string) bool { return s.opts[name] }

func (s *utilShell) NamedOption(name string) (on, ok bool) {
	on, ok = s.opts[name]
	return on, ok
}

// utilCtx is a namespace context for a test, closed after it.
func utilCtx(t *testing.T) *nsctx.Context {
	t.Helper()
	nstest.RequireRoot(t)
	c, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// call runs a builtin as the shell would (Call) and returns what it
// printed, its status and its error.
func call(ctx command.Context, sh command.Shell, stdin io.Reader, args ...string) (out, errOut string, status int, err error) {
	b, ok := builtins.Lookup(args[0])
	if !ok {
		return "", "", 127, fmt.Errorf("%s: no such builtin", args[0])
	}
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var o, e bytes.Buffer
	env := &command.Env{Stdin: stdin, Stdout: &o, Stderr: &e, Ctx: ctx, Shell: sh}
	err = b.Call(env, args)
	return o.String(), e.String(), command.Status(err), err
}

// words splits a test case as sh would split plain words: blanks
// separate, '...' and "..." quote (a pair of quotes is the empty word),
// \x is x (in "...", only \" and \\ are escapes).
func words(s string) []string {
	var ws []string
	var w strings.Builder
	in := false
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '"' && c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			i++
			w.WriteByte(s[i])
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			w.WriteByte(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			in = true
		case c == ' ':
			if in {
				ws = append(ws, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteByte(c)
			in = true
		}
	}
	if in {
		ws = append(ws, w.String())
	}
	return ws
}
