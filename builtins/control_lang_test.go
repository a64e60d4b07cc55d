package builtins

import (
	"errors"
	"testing"

	"github.com/nsh-dev/nsh/command"
)

// exit, return, shift, break, continue and : (mvdan.cc/sh's interp cases,
// bash's and dash's statuses).
func TestControlLang(t *testing.T) {
	runLangCases(t, []langCase{
		{"exit", "exit", "exit 0\n", ""},
		{"exit last status", "last 3\nexit", "exit 3\n", ""},
		{"exit 0", "exit 0", "exit 0\n", ""},
		{"exit 1", "exit 1", "exit 1\n", ""},
		{"exit 255", "exit 255", "exit 255\n", ""},
		{"exit 256", "exit 256", "exit 0\n", ""},
		{"exit 300", "exit 300", "exit 44\n", ""},
		{"exit -1", "exit -1", "exit 255\n", ""},
		{"exit +3", "exit +3", "exit 3\n", ""},
		{"exit with blanks", "exit ' 3'", "exit 3\n", ""},
		{"exit not a number", "exit a", "exit 2\n", `t.sh:1: exit: "a": not a number`},
		{"exit too big", "exit 99999999999999999999", "exit 2\n", "not a number"},
		{"exit too many", "exit 1 2", "exit 1\n", "too many"},
		{"return", "return", "return 0\n", ""},
		{"return last status", "last 4\nreturn", "return 4\n", ""},
		{"return 3", "return 3", "return 3\n", ""},
		{"return -1", "return -1", "return 255\n", ""},
		{"return 257", "return 257", "return 1\n", ""},
		{"return not a number", "return a", "return 2\n", `return: "a": not a number`},
		{"return too many", "return 1 2", "? 1\n", "too many"},
		{"shift", "set a b c\nshift\nparams", "2 b c\n", ""},
		{"shift 2", "set a b c\nshift 2\nparams", "1 c\n", ""},
		{"shift all", "set a b c\nshift 3\nparams", "0 \n", ""},
		{"shift 0", "set a b\nshift 0\nparams", "2 a b\n", ""},
		{"shift none", "shift\nparams", "? 1\n0 \n", "shift count out of range"},
		{"shift too many", "set a\nshift 3\nparams", "? 1\n1 a\n", "3: shift count out of range ($# is 1)"},
		{"shift negative", "set a\nshift -1\nparams", "? 1\n1 a\n", "out of range"},
		{"shift not a number", "set a\nshift a\nparams", "? 1\n1 a\n", "not a number"},
		{"shift too many operands", "shift 1 2", "? 1\n", "too many"},
		{":", ": a b", "", ""},
		{"break", "break", "? 0\n", "not inside a loop"},
		{"break 0", "break 0", "? 2\n", "not a number of loops"},
		{"continue a", "continue a", "? 2\n", "not a number of loops"},
		{"break too many", "break 1 2", "? 2\n", "too many"},
	}, nil)

	// break and continue carry their count to the loops.
	for _, c := range []struct {
		line string
		brk  bool
		n    int
	}{{"break", true, 1}, {"break 3", true, 3}, {"continue", false, 1}, {"continue 2", false, 2}} {
		args := words(c.line)
		b, _ := Lookup(args[0])
		err := b.Call(&command.Env{Shell: newFakeLang()}, args)
		var lc *command.LoopControl
		if !errors.As(err, &lc) || lc.Break != c.brk || lc.N != c.n || !Control(err) {
			t.Errorf("%s: %#v", c.line, err)
		}
	}
	if !Control(&ReturnRequest{Code: 1}) || !Control(&command.ExitRequest{}) || Control(command.ExitStatus(1)) {
		t.Error("Control: return and exit are control, a status is not")
	}
}
