package jobs

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
)

// TestTable: jobs numbered as they join, found by %N, %+, %-, a prefix
// or their id, and listed once done.
func TestTable(t *testing.T) {
	js := NewJobs(-1)
	release := make(chan struct{})
	var started []*Job
	for _, text := range []string{"sleep 1 &", "loop &"} {
		j := js.NewJob(text, "home", false)
		j.Go(true, func() error { <-release; return command.ExitStatus(3) })
		js.Add(j)
		started = append(started, j)
	}
	a, b := started[0], started[1]
	if a.ID != 1 || b.ID != 2 {
		t.Fatalf("ids %d %d", a.ID, b.ID)
	}
	for spec, want := range map[string]*Job{"%1": a, "%2": b, "%+": b, "%%": b, "%-": a, "%sl": a, "%lo": b} {
		if j, err := js.Lookup(spec); err != nil || j != want {
			t.Errorf("Lookup(%s): %v %v", spec, j, err)
		}
	}
	if _, err := js.Lookup("%3"); err == nil || !strings.Contains(err.Error(), "no such job") {
		t.Errorf("Lookup(%%3): %v", err)
	}
	if j, err := js.Lookup(strconv.Itoa(a.Pid())); err != nil || j != a {
		t.Errorf("Lookup of a job's id: %v %v", j, err)
	}
	if !IsJobID(a.Pid()) {
		t.Errorf("a job without a process has pid %d, not a job id", a.Pid())
	}
	if r, s := js.Active(); r != 2 || s != 0 {
		t.Errorf("Active: %d running, %d stopped", r, s)
	}
	close(release)
	if err := js.Wait(a); command.Status(err) != 3 {
		t.Errorf("Wait: %v", err)
	}
	js.Wait(b)
	var out bytes.Buffer
	js.List(&out, false)
	js.List(&out, false) // nothing the second time
	if out.String() != "" {
		// Waited for: Wait took them out of the table already.
		t.Errorf("List after Wait: %q", out.String())
	}
}

// shell is the little of a shell Spawn uses: the environment.
type shell struct{ command.Shell }

func (shell) Environ() []string { return []string{"PATH=/usr/bin:/bin"} }

// TestSpawn: a program's status, its output through a pipe when the
// stream is no file, 127 and 126 for one that does not start, and the
// same in a job as in the foreground.
func TestSpawn(t *testing.T) {
	nstest.RequireRoot(t)
	ctx, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctx.Close() })
	js := NewJobs(-1)
	for _, inJob := range []bool{false, true} {
		run := func(argv ...string) (string, error) {
			// Two buffers: each stream is copied by a goroutine of its own.
			var out, errb bytes.Buffer
			env := &command.Env{Stdout: &out, Stderr: &errb, Ctx: ctx, Shell: shell{}}
			if !inJob {
				err := Spawn(js, env, argv)
				return out.String(), err
			}
			j := js.NewJob(strings.Join(argv, " "), "", false)
			env.Job = j
			var err error
			j.Go(true, func() error { err = Spawn(js, env, argv); return err })
			js.Wait(j)
			return out.String(), err
		}
		if out, err := run("sh", "-c", "echo hi"); err != nil || out != "hi\n" {
			t.Errorf("job %v: echo hi: %q %v", inJob, out, err)
		}
		if _, err := run("sh", "-c", "exit 3"); command.Status(err) != 3 || err.Error() != "sh: exit status 3" {
			t.Errorf("job %v: exit 3: %v", inJob, err)
		}
		if _, err := run("sh", "-c", "kill -TERM $$"); command.Status(err) != 143 || err.Error() != "sh: killed by signal 15 (SIGTERM)" {
			t.Errorf("job %v: killed: %v", inJob, err)
		}
		if _, err := run("sh", "-c", "kill -INT $$"); !errors.Is(err, command.Interrupted{}) || command.Status(err) != 130 {
			t.Errorf("job %v: Ctrl-C: %v", inJob, err)
		}
		if _, err := run("nosuchprogram-nsh"); command.Status(err) != 127 || !errors.Is(err, nsctx.ErrNotFound) {
			t.Errorf("job %v: not found: %v", inJob, err)
		}
		if _, err := run("/etc/passwd"); command.Status(err) != 126 {
			t.Errorf("job %v: not executable: %v", inJob, err)
		}
	}
}
