package builtins

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/command"
	"golang.org/x/sys/unix"
)

// wait's status is the last job's, as a plain status (no message of its
// own: the job did not fail wait), whatever the job's error was.
func TestWaitStatus(t *testing.T) {
	sh := newFakeLang()
	js := sh.Jobs()
	started := func(err error) string {
		j := js.NewJob("job", "", false)
		j.Go(true, func() error { return err })
		js.Add(j)
		j.Launched()
		return "%" + strconv.Itoa(j.ID)
	}
	for _, err := range []error{
		nil,
		command.ExitStatus(5),
		&command.StatusError{Code: 143, Err: &command.SignalError{Sig: unix.SIGTERM}},
		&command.ExitRequest{Code: 3}, // a subshell's exit: its status, not the shell's exit
		errors.New("ip: something failed"),
	} {
		started(err)
	}
	var out, errb bytes.Buffer
	env := &command.Env{Stdout: &out, Stderr: &errb, Shell: sh, Pos: command.Pos{File: "t.sh", Line: 1}}
	w, _ := Lookup("wait")
	for _, c := range []struct {
		line string
		want error
	}{
		{"wait %1", nil},
		{"wait %2", command.ExitStatus(5)},
		{"wait %3", &command.StatusNote{Code: command.ExitStatus(143), Note: "%3 was killed by signal 15 (SIGTERM): status 143 (after kill, write wait %3 || true)"}},
		{"wait %4", command.ExitStatus(3)},
		{"wait %5", command.ExitStatus(1)},
	} {
		if err := w.Call(env, words(c.line)); fmt.Sprintf("%#v", err) != fmt.Sprintf("%#v", c.want) {
			t.Errorf("%s: %#v, want %#v", c.line, err, c.want)
		}
	}
	// An unknown job last: 127 and why; one before the last is said
	// and skipped.
	id := started(command.ExitStatus(7))
	if err := w.Call(env, []string{"wait", id, "%9"}); command.Status(err) != 127 || !strings.Contains(err.Error(), "%9") || errb.Len() != 0 {
		t.Errorf("wait %s %%9: %v, stderr %q", id, err, errb.String())
	}
	id = started(command.ExitStatus(8))
	if err := w.Call(env, []string{"wait", "%9", id}); err != command.ExitStatus(8) || !strings.Contains(errb.String(), "t.sh:1: wait: %9: no such job") {
		t.Errorf("wait %%9 %s: %#v, stderr %q", id, err, errb.String())
	}
	// Without operands: every job, status 0.
	started(command.ExitStatus(9))
	if err := w.Call(env, words("wait")); err != nil {
		t.Errorf("wait: %v", err)
	}
	if err := w.Call(env, words("wait")); err != nil {
		t.Errorf("wait with no jobs: %v", err)
	}
}

// kill then wait: 143, a status whose note is said only if it stops a
// script.
func TestWaitKilled(t *testing.T) {
	h := newHarness(t)
	h.ok("spawn -b sleep 100")
	h.ok("kill %1")
	var out bytes.Buffer
	w, _ := Lookup("wait")
	err := w.Call(&command.Env{Stdout: &out, Stderr: &out, Ctx: h.ctx, Shell: &h.sh}, words("wait %1"))
	var sn *command.StatusNote
	if command.Status(err) != 143 || !errors.As(err, &sn) || out.Len() != 0 {
		t.Errorf("wait %%1 after kill: %#v (said %q), want status 143 with a note", err, out.String())
	}
}
