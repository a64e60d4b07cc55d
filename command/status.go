package command

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// ExitStatus is the error of a command that ended with a non-zero status
// and has nothing more to say (a program's own exit status).
type ExitStatus uint8

func (s ExitStatus) Error() string { return fmt.Sprintf("exit status %d", uint8(s)) }

// StatusNote is a status with a note said only if it stops a script
// (wait's "%1 was killed by signal 15"): interactively, as a bare status,
// nothing is said.
type StatusNote struct {
	Code ExitStatus
	Note string
}

func (e *StatusNote) Error() string { return e.Note }
func (e *StatusNote) Unwrap() error { return e.Code }

// StatusError is a failure with a message and a particular status
// (127 command not found, 126 not executable).
type StatusError struct {
	Code int
	Err  error
}

func (e *StatusError) Error() string { return e.Err.Error() }
func (e *StatusError) Unwrap() error { return e.Err }

// UsageError is bad usage of a builtin: status 2, and the usage is shown.
type UsageError struct {
	Msg   string
	Usage string
}

func (e *UsageError) Error() string {
	if e.Usage == "" {
		return e.Msg
	}
	return e.Msg + "\nusage: " + strings.ReplaceAll(e.Usage, "\n", "\n       ")
}

// ExitRequest is returned by `exit`: the shell stops with Code.
type ExitRequest struct {
	Code int
	Bare bool // exit without N: in a trap, the status before the trap counts
}

func (e *ExitRequest) Error() string { return fmt.Sprintf("exit %d", e.Code) }

// LoopControl is break or continue on its way to its loop: N counts the
// loops still to leave, the last of which breaks or continues. It is
// here, not with break, because it is no failure: Status counts it 0.
type LoopControl struct {
	Break bool
	N     int
}

func (l *LoopControl) Error() string {
	name := "continue"
	if l.Break {
		name = "break"
	}
	return fmt.Sprintf("%s: not inside a loop", name)
}

// Interrupted is a program that SIGINT (Ctrl-C) ended: status 130 and
// nothing to say, as in bash. A script stops there even if the signal
// has not reached nsh's own handler yet: bash too acts on a child that
// died of SIGINT as on the signal itself.
type Interrupted struct{}

func (Interrupted) Error() string { return "interrupted" }
func (Interrupted) Unwrap() error { return ExitStatus(128 + int(unix.SIGINT)) }

// SignalError is a program killed by a signal.
type SignalError struct{ Sig unix.Signal }

func (e *SignalError) Error() string {
	return fmt.Sprintf("killed by signal %d (%s)", int(e.Sig), unix.SignalName(e.Sig))
}

// Status derives a command's exit status from its error.
func Status(err error) int {
	if err == nil {
		return 0 // before the targets below, which live on the heap
	}
	var (
		es ExitStatus
		se *StatusError
		ue *UsageError
		er *ExitRequest
		lc *LoopControl
	)
	switch {
	case errors.As(err, &lc):
		return 0
	case errors.As(err, &es):
		return int(es)
	case errors.As(err, &se):
		return se.Code
	case errors.As(err, &ue):
		return 2
	case errors.As(err, &er):
		return er.Code
	}
	return 1
}
