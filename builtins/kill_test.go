package builtins_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestKill(t *testing.T) {
	want(t, `sleep 30 & kill -9 %1; wait %1 || echo $?`, "137\n", 0)
	want(t, `sleep 30 & kill -s INT %%; wait %1 || echo $?`, "130\n", 0)
	want(t, `sleep 30 & kill -HUP $!; wait %1 || echo $?`, "129\n", 0)
	// A stopped job also gets CONT, so TERM ends it.
	want(t, `sleep 30 & kill -STOP %1; wait %1 || true; kill %1; wait %1 || echo $?`, "143\n", 0)
	out, _, _ := nsh(t, `kill -l`)
	if !strings.Contains(out, " 9 KILL\n") {
		t.Errorf("kill -l: %q", out)
	}
	for _, bad := range []string{"kill", "kill -NOSIG %1", "kill abc"} {
		if _, errs, st := nsh(t, bad); st != 2 || errs == "" {
			t.Errorf("%s: %d %q; want a usage error", bad, st, errs)
		}
	}
}

func TestKillList(t *testing.T) {
	out, _, st, _ := call(nil, nil, nil, "kill", "-l")
	for _, line := range []string{" 1 HUP\n", " 9 KILL\n", "15 TERM\n", "31 SYS\n", "34 RTMIN\n", "35 RTMIN+1\n", "49 RTMIN+15\n", "50 RTMAX-14\n", "64 RTMAX\n"} {
		if st != 0 || !strings.Contains(out, line) {
			t.Errorf("kill -l: no %q in %q", line, out)
		}
	}
	if strings.Contains(out, "32 ") || strings.Contains(out, "33 ") {
		t.Errorf("kill -l lists signals 32 or 33 (glibc's own): %q", out)
	}
	for args, want := range map[string]string{
		"9 137 TERM SIGHUP sigint 0":  "KILL\nKILL\n15\n1\n2\nEXIT\n",
		"64 34 35 50 rtmin+1 RTMAX-1": "RTMAX\nRTMIN\nRTMIN+1\nRTMAX-14\n35\n63\n",
		"130 143":                     "INT\nTERM\n",
	} {
		out, _, st, err := call(nil, nil, nil, append([]string{"kill", "-l"}, words(args)...)...)
		if out != want || st != 0 {
			t.Errorf("kill -l %s: %q status %d (%v), want %q", args, out, st, err, want)
		}
	}
	for _, args := range []string{"200", "XX", "32", "9 XX"} {
		_, _, st, err := call(nil, nil, nil, append([]string{"kill", "-l"}, words(args)...)...)
		if st != 1 || err == nil || !strings.HasSuffix(err.Error(), ": invalid signal specification") {
			t.Errorf("kill -l %s: status %d, %v; want 1, invalid signal specification", args, st, err)
		}
	}
}

// Each way to name the signal, to a pid and to a process group.
func TestKillSignals(t *testing.T) {
	for _, tc := range []struct {
		args  string // before the pid
		sig   syscall.Signal
		group bool
	}{
		{"", syscall.SIGTERM, false},
		{"-9", syscall.SIGKILL, false},
		{"-HUP", syscall.SIGHUP, false},
		{"-sigusr1", syscall.SIGUSR1, false},
		{"-s USR2", syscall.SIGUSR2, false},
		{"-s 2", syscall.SIGINT, false},
		{"-n 10", syscall.SIGUSR1, false},
		{"-RTMIN+1", syscall.Signal(35), false},
		{"-s RTMAX", syscall.Signal(64), false},
		{"-KILL --", syscall.SIGKILL, true},
		{"--", syscall.SIGTERM, true},
	} {
		cmd := exec.Command("sleep", "30")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		target := strconv.Itoa(cmd.Process.Pid)
		if tc.group {
			target = "-" + target
		}
		_, _, st, err := call(nil, nil, nil, append(append([]string{"kill"}, words(tc.args)...), target)...)
		if st != 0 {
			cmd.Process.Kill()
		}
		cmd.Wait()
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if st != 0 || !ws.Signaled() || ws.Signal() != tc.sig {
			t.Errorf("kill %s %s: status %d (%v), the process ended %v; want signal %v", tc.args, target, st, err, ws, tc.sig)
		}
	}
}

// A target that fails does not spare the others; bad usage is status 2.
func TestKillErrors(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Fatal(err)
	}
	max, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	gone := strconv.Itoa(max + 1)
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_, _, st, err := call(nil, nil, nil, "kill", gone, strconv.Itoa(cmd.Process.Pid))
	cmd.Wait()
	if st != 1 || err == nil || !strings.HasPrefix(err.Error(), gone+": ") || !cmd.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
		t.Errorf("kill %s PID: status %d, %v, the process %v; want 1, no such process, terminated", gone, st, err, cmd.ProcessState)
	}
	for _, args := range []string{"kill", "kill -s", "kill -n", "kill -n TERM PID", "kill -NOSIG PID", "kill abc", "kill PID abc", "kill -9"} {
		args = strings.ReplaceAll(args, "PID", gone)
		if _, _, st, err := call(nil, nil, nil, words(args)...); st != 2 {
			t.Errorf("%s: status %d (%v), want 2", args, st, err)
		}
	}
}
