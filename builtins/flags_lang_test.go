package builtins

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/command"
)

// The fake shell is what the language builtins need: a builtin that
// asks a shell without it gets ErrNeedsLang.
func TestNeedsLang(t *testing.T) {
	for _, line := range []string{"readonly A", "local A", "shift", "eval true", "exec true", "command true", "type ls", "alias", "unalias -a", "trap", "getopts a o", "set -- a", "set -o", "unset -f f", "export -n A"} {
		args := words(line)
		b, _ := Lookup(args[0])
		var out bytes.Buffer
		env := &command.Env{Stdout: &out, Stderr: &out, Shell: &fakeShell{}}
		if err := b.Call(env, args); !errors.Is(err, ErrNeedsLang) {
			t.Errorf("%s: %v, want ErrNeedsLang", line, err)
		}
	}
}

// The special builtins are POSIX's, and the language builtins say how
// they may run: Thread and Pure for those that only touch the shell's
// own state, neither for those that run commands or wait on jobs.
func TestLangFlags(t *testing.T) {
	special := map[string]bool{}
	for _, n := range strings.Fields("break : continue . eval exec exit export readonly return set shift times trap unset") {
		special[n] = true
	}
	for _, b := range Table() {
		if b.Special != special[b.Name] {
			t.Errorf("%s: Special %v", b.Name, b.Special)
		}
	}
	for _, c := range []struct {
		names        string
		thread, pure bool
	}{
		{"set export readonly unset local return shift exit alias unalias trap getopts times break continue :", true, true},
		{"eval exec command type . source", false, false},
		{"wait", false, true},
	} {
		for _, n := range strings.Fields(c.names) {
			b, ok := Lookup(n)
			if !ok || b.Thread != c.thread || b.Pure != c.pure {
				t.Errorf("%s: Thread %v Pure %v, want %v %v", n, b != nil && b.Thread, b != nil && b.Pure, c.thread, c.pure)
			}
		}
	}
}
