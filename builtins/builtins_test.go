package builtins

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/internal/fakectx"
	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/jobs"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsexec"
)

// The helper, as in the nsh binary (cmd/nsh/main.go).
func init() {
	nsctx.UseHelper(nsexec.StartNofile())
	nsctx.UseSpawn(nsexec.Spawn) // jobs fork as in nsh
}

// fakeShell is the least a builtin needs from a shell: the environment of
// the test process, a status, and a job table without a terminal.
type fakeShell struct {
	last int
	jobs *jobs.Jobs
}

func (f *fakeShell) Environ() []string                           { return os.Environ() }
func (f *fakeShell) LastStatus() int                             { return f.last }
func (f *fakeShell) Var(name string) (string, bool)              { return os.LookupEnv(name) }
func (f *fakeShell) SetVar(name, value string, export bool)      {}
func (f *fakeShell) Export(name string)                          {}
func (f *fakeShell) Unset(name string)                           {}
func (f *fakeShell) Vars() []command.Var                         { return nil }
func (f *fakeShell) Option(name string) bool                     { return false }
func (f *fakeShell) SetOption(name string, on bool) error        { return nil }
func (f *fakeShell) Source(*command.Env, string, []string) error { return nil }
func (f *fakeShell) Started(*jobs.Job)                           {}
func (f *fakeShell) Jobs() *jobs.Jobs {
	if f.jobs == nil {
		f.jobs = jobs.NewJobs(-1)
	}
	return f.jobs
}

// harness runs builtins against a context, as the shell would.
type harness struct {
	t   *testing.T
	ctx command.Context
	sh  fakeShell
}

var _ command.Context = (*fakectx.Context)(nil)

func newHarness(t *testing.T) *harness {
	t.Helper()
	nstest.RequireRoot(t)
	c, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &harness{t: t, ctx: c}
}

// newFakeHarness runs builtins against a fake context (no root needed)
// whose working directory is a new temporary directory.
func newFakeHarness(t *testing.T) (*harness, *fakectx.Context) {
	t.Helper()
	c := FakeCtx(t)
	return &harness{t: t, ctx: c}, c
}

// FakeCtx is a fake context in a new temporary directory, closed after
// the test (exported for the package's external tests too).
func FakeCtx(t testing.TB) *fakectx.Context {
	t.Helper()
	c, err := fakectx.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// run runs one command line (words split on spaces) and returns its
// output, error output and status.
func (h *harness) run(line string) (string, string, int) {
	h.t.Helper()
	args := strings.Fields(line)
	// A background job's output is copied into out by a goroutine that
	// may still write after the command returns (spawn -b): locked.
	var out, errb LockedBuffer
	env := &command.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Ctx: h.ctx, Shell: &h.sh}
	var err error
	if b, ok := Lookup(args[0]); ok {
		err = b.Call(env, args)
	} else {
		err = Suggest(env, args[0], jobs.Spawn(h.sh.Jobs(), env, args))
	}
	if err != nil {
		errb.WriteString(err.Error())
	}
	st := command.Status(err)
	h.sh.last = st
	return out.String(), errb.String(), st
}

// LockedBuffer is a bytes.Buffer that goroutines (a background job's
// output copier) may write while the test reads it; exported for the
// package's external tests too.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LockedBuffer) WriteString(s string) (int, error) { return l.Write([]byte(s)) }

func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// status is where the context is.
func (h *harness) status() nsctx.Status {
	h.t.Helper()
	st, err := h.ctx.Status()
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

// ok runs a line that must succeed and returns its output.
func (h *harness) ok(line string) string {
	h.t.Helper()
	out, errs, st := h.run(line)
	if st != 0 {
		h.t.Fatalf("%s: status %d: %s", line, st, errs)
	}
	return out
}

// fails runs a line that must fail with status want and an error
// containing every one of msgs.
func (h *harness) fails(line string, want int, msgs ...string) {
	h.t.Helper()
	_, errs, st := h.run(line)
	if st != want {
		h.t.Errorf("%s: status %d, want %d (%s)", line, st, want, errs)
	}
	for _, m := range msgs {
		if !strings.Contains(errs, m) {
			h.t.Errorf("%s: error %q does not say %q", line, errs, m)
		}
	}
	if strings.Count(strings.TrimSpace(errs), "\n") > 0 && want != 2 {
		h.t.Errorf("%s: error is more than one line: %q", line, errs)
	}
}

func TestTableIsComplete(t *testing.T) {
	for _, b := range Table() {
		if b.Name == "" || b.Summary == "" || b.Usage == "" || b.Help == "" || b.Run == nil {
			t.Errorf("%q: name, summary, usage, help and run are all needed", b.Name)
		}
		if !strings.HasPrefix(b.Usage, b.Name) {
			t.Errorf("%s: usage %q does not start with the name", b.Name, b.Usage)
		}
	}
}

func TestStatus(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{command.ExitStatus(3), 3},
		{&command.StatusError{Code: 127, Err: os.ErrNotExist}, 127},
		{usageError("x"), 2},
		{&command.ExitRequest{Code: 7}, 7},
		{os.ErrPermission, 1},
	} {
		if got := command.Status(c.err); got != c.want {
			t.Errorf("command.Status(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestParseFlagsAnywhere(t *testing.T) {
	fs := newFlags("x")
	j := fs.Bool("json", false, "")
	ops, err := parseFlags(fs, []string{"x", "net", "--json", "uts", "--", "--json"})
	if err != nil || !*j || strings.Join(ops, " ") != "net uts --json" {
		t.Errorf("ops %q json %v err %v", ops, *j, err)
	}
	if _, err := parseFlags(newFlags("x"), []string{"x", "--nope"}); command.Status(err) != 2 {
		t.Errorf("unknown option: %v", err)
	}
}

// The failure of a builtin that changes the context is a MoveError, its
// status and message kept; the refusal in a pipeline too. Others are not,
// nor source's mere exit status, nor exit and break.
func TestMoveError(t *testing.T) {
	h, _ := newFakeHarness(t)
	env := &command.Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Ctx: h.ctx, Shell: &h.sh}
	err := cdCmd.Call(env, []string{"cd", "/nonexistent-nsh"})
	if !Moved(err) || command.Status(err) != 1 || !strings.Contains(err.Error(), "/nonexistent-nsh") {
		t.Errorf("failed cd: %v (moved %v, status %d), want a MoveError of status 1", err, Moved(err), command.Status(err))
	}
	job := &command.Env{Stdout: &bytes.Buffer{}, Job: jobs.NewJobs(-1).NewJob("x", "", false)}
	if err := setnsCmd.Call(job, []string{"setns", "/x"}); !Moved(err) || !errors.Is(err, ErrMovesInJob) {
		t.Errorf("setns in a pipeline: %v, want a MoveError holding ErrMovesInJob", err)
	}
	if err := pwdCmd.Call(env, []string{"pwd", "-z"}); err == nil || Moved(err) {
		t.Errorf("bad pwd: %v, want an error that is no MoveError", err)
	}
	for _, err := range []error{command.ExitStatus(3), &command.ExitRequest{Code: 2}, &command.LoopControl{Break: true, N: 1}, command.Interrupted{}, nil} {
		if Moved(moveError(err)) {
			t.Errorf("moveError(%v) is a MoveError", err)
		}
	}
	if m := moveError(moveError(os.ErrNotExist)); !errors.Is(m, os.ErrNotExist) || errors.Unwrap(m) != os.ErrNotExist {
		t.Errorf("moveError twice wraps twice: %#v", m)
	}
}
