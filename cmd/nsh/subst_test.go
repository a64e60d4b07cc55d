package main

import (
	"bytes"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/internal/nstest"
)

// Ctrl-C in a script while a $(...) runs stops the script there: the
// command around the substitution must not run on its partial output.
func TestSubstitutionInterrupted(t *testing.T) {
	out, errs, code := interrupt(t, "-c", "echo $(sleep 30 || true; echo after); echo next")
	if code != 130 || out != "" || !strings.Contains(errs, "interrupted") {
		t.Errorf("status %d (want 130), stdout %q (want nothing), stderr %q (want interrupted)", code, out, errs)
	}
}

// The same in a loop's words, under -k.
func TestLoopWordsInterrupted(t *testing.T) {
	out, errs, code := interrupt(t, "-k", "-c", "for i in a $(sleep 30; echo b); do echo $i; done; echo end")
	if code != 130 || out != "" || !strings.Contains(errs, "interrupted") {
		t.Errorf("status %d (want 130), stdout %q (want nothing), stderr %q (want interrupted)", code, out, errs)
	}
}

// A program that died of Ctrl-C stops the script even under -k and
// before nsh's own handler has seen the signal (the last stage of a
// pipeline dies of it too).
func TestPipelineInterruptedKeepGoing(t *testing.T) {
	for range 5 {
		out, errs, code := interrupt(t, "-k", "-c", "sleep 30 | cat; echo after")
		if code != 130 || out != "" || errs != "-c:1: interrupted\n" {
			t.Fatalf("status %d (want 130), stdout %q (want nothing), stderr %q", code, out, errs)
		}
	}
}

// A program that died of Ctrl-C ends its and-or list: the right of ||
// (or a ! around it) must not take it for a mere failure, even before
// nsh's own handler has seen the signal.
func TestOrListInterrupted(t *testing.T) {
	for _, script := range []string{"sleep 30 || echo after; echo next", "! sleep 30 && echo after; echo next"} {
		for range 5 {
			out, errs, code := interrupt(t, "-k", "-c", script)
			if code != 130 || out != "" || errs != "-c:1: interrupted\n" {
				t.Fatalf("%s: status %d (want 130), stdout %q (want nothing), stderr %q", script, code, out, errs)
			}
		}
	}
}

// Ctrl-C ends a while loop whose condition always holds.
func TestWhileInterrupted(t *testing.T) {
	out, errs, code := interrupt(t, "-k", "-c", "while true; do sleep 30; done; echo after")
	if code != 130 || out != "" || errs != "-c:1: interrupted\n" {
		t.Errorf("status %d (want 130), stdout %q (want nothing), stderr %q", code, out, errs)
	}
}

// interrupt runs nsh in a process group of its own, sends the group
// SIGINT (as a terminal's Ctrl-C would) once its sleep runs, and returns
// what nsh printed and its exit status.
func interrupt(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	nsh, err := exec.LookPath("nsh") // testscript.Main put it in PATH
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nsh, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	deadline := time.Now().Add(patience)
	for len(nstest.Children(cmd.Process.Pid, "sleep")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("sleep never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(patience):
		t.Fatal("nsh did not stop")
	}
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}
