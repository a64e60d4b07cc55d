package lang

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/nsh-dev/nsh/command"
	"golang.org/x/sys/unix"
)

// saidError is a failure whose message is out already: nobody says it
// again.
type saidError struct{ error }

func (e saidError) Unwrap() error { return e.error }

// said says err now, as FILE:LINE: message, and marks it said.
func (sh *Shell) said(err error) error {
	if msg := unsaid(err); msg != "" {
		sh.errorAt(sh.posOf(err), "%s", msg)
	}
	return saidError{err}
}

// stop says err and stops the script (a failure no option lets pass: an
// expansion error, a nesting limit); interactively, the rest of the line
// is abandoned.
func (sh *Shell) stop(err error) error {
	if control(err) {
		return err
	}
	sh.said(err)
	if sh.last == 0 {
		sh.last = 1
	}
	return &stopError{status: sh.last}
}

// expandError is an expansion that failed: ${X:?}, an unset variable
// under set -u, bad arithmetic. As POSIX says, a script does not go on
// after one; only a $(...) that failed to run fails just its command.
func (sh *Shell) expandError(err error) error {
	if control(err) {
		return err
	}
	sh.last = 1
	var se *syntaxError
	if errors.As(err, &se) {
		sh.last = 2
	}
	var sf substFailure
	if errors.As(err, &sf) {
		// $(...) past its limit or that could not start: the command
		// fails (and set -e decides).
		return sh.said(err)
	}
	// ${X:?}, set -u, bad arithmetic ($((1/0))), a syntax error: as
	// POSIX says, a script does not go on after one.
	return sh.stop(err)
}

// arithCmdError is bad arithmetic in bash's (( )), let and for (( )):
// there, as in bash, the command fails and the script may go on.
func (sh *Shell) arithCmdError(err error) error {
	if control(err) {
		return err
	}
	sh.last = 1
	return sh.said(err)
}

// unsaid is what the user is told of a failure nobody has reported: a
// builtin's error, a program's status when that stops the script; nothing
// for a failure already said, nor for a reader gone away (SIGPIPE).
func unsaid(err error) string {
	var sd saidError
	if err == nil || errors.As(err, &sd) || control(err) {
		return ""
	}
	var sig *command.SignalError
	if errors.As(err, &sig) && sig.Sig == unix.SIGPIPE {
		return ""
	}
	return strings.TrimSpace(err.Error())
}

// programStatus is how a program's failure reads when it stops a script.
func programStatus(err error) bool {
	var es command.ExitStatus
	return errors.As(err, &es)
}

// syntaxError is a parse error, with FILE:LINE:COL.
type syntaxError struct{ msg string }

func (e *syntaxError) Error() string { return e.msg }

// namedError puts the command's name before its error.
type namedError struct {
	name string
	err  error
}

func (e *namedError) Error() string { return e.name + ": " + e.err.Error() }
func (e *namedError) Unwrap() error { return e.err }

func named(name string, err error) error {
	if err == nil || control(err) {
		return err
	}
	return &namedError{name, err}
}

// bareStatus reports whether err is only a status (false, test): nothing
// to say unless it stops the script.
func bareStatus(err error) bool {
	var es command.ExitStatus
	var sd saidError
	var sn *command.StatusNote
	return errors.As(err, &es) && (err.Error() == es.Error() || errors.As(err, &sn)) && !errors.As(err, &sd)
}

// msgMax bounds a message: room for a builtin's usage, not for the whole
// of a 100,000-character line of junk.
const msgMax = 1200

// clip keeps a message readable whatever the input was: control
// characters and invalid UTF-8 are escaped, and a very long message is
// cut in the middle.
func clip(s string, max int) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == utf8.RuneError && s[i] != 0xEF, r < 0x20, r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		default:
			b.WriteRune(r)
		}
	}
	s = b.String()
	if len(s) <= max {
		return s
	}
	head, tail := s[:max*2/3], s[len(s)-max/4:]
	for !utf8.ValidString(head) {
		head = head[:len(head)-1]
	}
	for !utf8.ValidString(tail) {
		tail = tail[1:]
	}
	return fmt.Sprintf("%s…[%d bytes]…%s", head, len(s)-len(head)-len(tail), tail)
}
