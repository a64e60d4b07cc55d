package nstest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Proc is a process as /proc/PID/stat shows it.
type Proc struct {
	PID, PPID int
	Comm      string
	State     byte // R, S, Z...
	// Exiting: the process has begun to exit (PF_EXITING) and runs no
	// code of its own any more; a pid namespace's init stays so until
	// every process of its namespace is reaped, by whoever their
	// parent is.
	Exiting bool
}

// ReadProc reads /proc/PID/stat; ok is false once the process is reaped.
func ReadProc(pid int) (p Proc, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return Proc{}, false
	}
	// pid (comm) state ppid ...: comm may hold anything but the last ')'.
	s := string(b)
	i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if i < 0 || j < i {
		return Proc{}, false
	}
	f := strings.Fields(s[j+1:])
	if len(f) < 7 || len(f[0]) != 1 {
		return Proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	flags, _ := strconv.ParseUint(f[6], 10, 64)
	const pfExiting = 0x4
	return Proc{PID: pid, PPID: ppid, Comm: s[i+1 : j], State: f[0][0], Exiting: flags&pfExiting != 0}, true
}

// Alive reports whether process pid runs: it exists and is no zombie.
func Alive(pid int) bool {
	p, ok := ReadProc(pid)
	return ok && p.State != 'Z'
}

// Children lists the running (not zombie) children of process ppid named
// comm ("": any name).
func Children(ppid int, comm string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := ReadProc(pid); ok && p.PPID == ppid && p.State != 'Z' && (comm == "" || p.Comm == comm) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// WaitUntil polls cond every 10 ms for at most 10 s (a bound for a noisy
// machine, not a timing) and reports whether it came true.
func WaitUntil(cond func() bool) bool {
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// Usage is what a process holds that a leak grows: threads, fds, and the
// pid namespace inits nsh started (running children named nsh-init).
type Usage struct{ Threads, FDs, Inits int }

func (u Usage) String() string {
	return fmt.Sprintf("%d threads, %d fds, %d inits", u.Threads, u.FDs, u.Inits)
}

// Measure reads the usage of process pid.
func Measure(t testing.TB, pid int) Usage {
	t.Helper()
	count := func(dir string) int {
		ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/%s", pid, dir))
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	return Usage{count("task"), count("fd"), len(Children(pid, "nsh-init"))}
}

// CheckFlat fails the test when after grew from before by more than a
// few fds or more than 16 threads (Go starts threads as it likes, more
// on a busy machine; a leak grows with the rounds), or has more inits.
func CheckFlat(t testing.TB, what string, before, after Usage) {
	t.Helper()
	t.Logf("%s: %v -> %v", what, before, after)
	if after.Threads > before.Threads+16 || after.FDs > before.FDs+4 || after.Inits > before.Inits {
		t.Errorf("%s leaked: %v before, %v after", what, before, after)
	}
}
