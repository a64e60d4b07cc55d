package main

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Ctrl-C in a script while a $(...) runs stops the script there: the
// command around the substitution must not run on its partial output.
func TestSubstitutionInterrupted(t *testing.T) {
	nsh, err := exec.LookPath("nsh") // testscript.Main put it in PATH
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nsh, "-c", "echo $(sleep 30 || true; echo after); echo next")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	// Its own process group, as a terminal's Ctrl-C would reach it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	deadline := time.Now().Add(patience)
	for !hasChild(cmd.Process.Pid, "sleep") {
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
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("nsh: %v, want exit status 130", err)
	}
	if out.Len() != 0 || !strings.Contains(errb.String(), "interrupted") {
		t.Errorf("stdout %q (want nothing), stderr %q (want interrupted)", out.String(), errb.String())
	}
}

// hasChild reports whether process ppid has a child named comm.
func hasChild(ppid int, comm string) bool {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		j := strings.IndexByte(s, '(')
		if i < 0 || j < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && s[j+1:i] == comm && f[1] == strconv.Itoa(ppid) {
			return true
		}
	}
	return false
}
