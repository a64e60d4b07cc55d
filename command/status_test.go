package command

import (
	"errors"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

func TestStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{&LoopControl{Break: true, N: 1}, 0}, // no failure
		{ExitStatus(3), 3},
		{fmt.Errorf("sh: %w", ExitStatus(4)), 4},
		{&StatusNote{Code: 143, Note: "%1 was killed by signal 15"}, 143},
		{&StatusError{Code: 127, Err: errors.New("not found")}, 127},
		{&StatusError{Code: 128 + 9, Err: &SignalError{Sig: unix.SIGKILL}}, 137},
		{&UsageError{Msg: "no operands"}, 2},
		{&ExitRequest{Code: 5}, 5},
		{Interrupted{}, 130},
		{errors.New("anything else"), 1},
	} {
		if got := Status(c.err); got != c.want {
			t.Errorf("Status(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestMessages(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&UsageError{Msg: "bad", Usage: "a X\na -b"}, "bad\nusage: a X\n       a -b"},
		{&UsageError{Msg: "bad"}, "bad"},
		{&SignalError{Sig: unix.SIGTERM}, "killed by signal 15 (SIGTERM)"},
		{&LoopControl{N: 1}, "continue: not inside a loop"},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("%#v: %q, want %q", c.err, got, c.want)
		}
	}
}

func TestPos(t *testing.T) {
	if got := (Pos{}).String(); got != "nsh" {
		t.Errorf("no file: %q", got)
	}
	if got := (Pos{File: "t.sh", Line: 7}).String(); got != "t.sh:7" {
		t.Errorf("t.sh line 7: %q", got)
	}
}
