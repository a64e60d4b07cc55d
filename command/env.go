package command

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/nsctx"
)

// Handler runs one command (a builtin, a plugin's or a program); args[0]
// is its name.
type Handler func(env *Env, args []string) error

// Middleware wraps a handler: it handles what it knows and passes the rest
// on to next.
type Middleware func(next Handler) Handler

// Env is everything a command may use.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Ctx    Context
	Shell  Shell
	// Job is the job this command is a stage of; programs started by it
	// join the job's process group. Nil outside the shell's executor.
	Job Job
	// Files are the command's descriptors above 2 (Files[0] is fd 3) as
	// the shell's redirections made them; nil is a closed one. Programs
	// get them at their numbers.
	Files []*os.File
	// Snap, when set, is where programs start: the context as a
	// background job found it, wherever Ctx has moved since.
	Snap *nsctx.Snapshot
	// Pos is where the command is in the script, for its messages.
	Pos Pos
}

// Pos is a command's place in a script: its file (a script's name, ""
// at the prompt or outside the shell) and line. It travels with the
// command (as mvdan/sh's HandlerContext carries Pos), so a command never
// asks the shell where it is, which may have moved on.
type Pos struct {
	File string
	Line int
}

// String is FILE:LINE, or "nsh" without a file: how the shell's messages
// start.
func (p Pos) String() string {
	if p.File == "" {
		return "nsh"
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Job is what a command may do with the job it is a stage of (a
// *jobs.Job): a stage that starts no process (a plugin call) says it is
// under way and follows the signals sent to the job.
type Job interface {
	// Launch says the job is under way though it has started no process
	// yet: it is listed at once, its id as its pid.
	Launch()
	// Watch tells fn of each signal sent to the job (but SIGCONT) until
	// stop is called.
	Watch(fn func(sig unix.Signal)) (stop func())
	// InForeground reports whether the job owns the shell's attention.
	InForeground() bool
}

// Shell is what commands need from the shell running them.
type Shell interface {
	// Environ is the environment given to spawned programs: the
	// exported variables.
	Environ() []string
	// LastStatus is the exit status of the last command.
	LastStatus() int
	// Var returns a shell variable.
	Var(name string) (string, bool)
	// SetVar sets a variable; export also marks it exported. A variable
	// that is exported stays so.
	SetVar(name, value string, export bool)
	// Export marks a variable exported (it reaches programs once set).
	Export(name string)
	// Unset removes a variable.
	Unset(name string)
	// Vars lists the variables, sorted by name.
	Vars() []Var
	// Option and SetOption read and change a shell option by its name
	// (the names set -o lists).
	Option(name string) bool
	SetOption(name string, on bool) error
	// Source runs a script file in this shell: its namespace changes and
	// variables stay. args, if any, become $1..$N while it runs.
	Source(env *Env, file string, args []string) error
}

// Var is a shell variable.
type Var struct {
	Name     string
	Value    string
	Exported bool
	ReadOnly bool
	Set      bool // has a value (an exported or read-only name may not)
}

// RawWriter is the writer under one that wraps it with a method Raw (a
// builtin's checked output), for what needs the file itself: a program's
// stdout, a terminal check, a sourced script's streams.
func RawWriter(w io.Writer) io.Writer {
	if u, ok := w.(interface{ Raw() io.Writer }); ok {
		return u.Raw()
	}
	return w
}

// PosError is a command's failure with the position of the command it
// came from (its Env.Pos), so that however far the shell has moved on by
// the time it says it (a script stopping after a function's command
// failed, a job's status reported later), it is said where it happened.
// Its text is the failure's own: the shell puts the position in front.
type PosError struct {
	Pos Pos
	Err error
}

func (e *PosError) Error() string { return e.Err.Error() }
func (e *PosError) Unwrap() error { return e.Err }

// At gives err the position pos, unless it has one already; nil stays nil.
func At(pos Pos, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := PosOf(err); ok {
		return err
	}
	return &PosError{Pos: pos, Err: err}
}

// PosOf is the position err carries, if it carries one.
func PosOf(err error) (Pos, bool) {
	var pe *PosError
	if errors.As(err, &pe) {
		return pe.Pos, true
	}
	return Pos{}, false
}
