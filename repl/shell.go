package repl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/nsctx"
)

// Handler runs one command.
type Handler func(env *builtins.Env, args []string) error

// Middleware wraps a handler: it handles what it knows and passes the rest
// on to next.
type Middleware func(next Handler) Handler

// Builtins dispatches builtin commands.
func Builtins(next Handler) Handler {
	return func(env *builtins.Env, args []string) error {
		if b, ok := builtins.Lookup(args[0]); ok {
			if b.Quiet {
				return b.Call(env, args)
			}
			return named(args[0], b.Call(env, args))
		}
		return next(env, args)
	}
}

// Spawn runs anything else as a program in the context.
func Spawn(env *builtins.Env, args []string) error { return builtins.Spawn(env, args) }

// namedError prefixes an error with the command that failed.
type namedError struct {
	name string
	err  error
}

func (e *namedError) Error() string { return e.name + ": " + e.err.Error() }
func (e *namedError) Unwrap() error { return e.err }

func named(name string, err error) error {
	if err == nil {
		return nil
	}
	var er *builtins.ExitRequest
	if errors.As(err, &er) {
		return err
	}
	return &namedError{name, err}
}

// Shell runs commands in a namespace context.
type Shell struct {
	Ctx    *nsctx.Context
	Stdin  io.Reader // what programs read
	Stdout io.Writer
	Stderr io.Writer

	Interactive bool
	KeepGoing   bool     // set -k: scripts carry on past failures
	Trace       bool     // set -x: print each command and its context
	NoGlob      bool     // set -f: patterns stay as typed
	Pipefail    bool     // set -o pipefail: a pipeline fails if any stage does
	Color       bool     // the prompt may use colour (a terminal)
	Name        string   // $0
	Args        []string // $1..$N
	// CommandNames, if set, adds command names to completion (the
	// plugin layer's commands, say).
	CommandNames func() []string

	handler     Handler
	last        atomic.Int32 // $?, also read by background jobs
	lastBg      atomic.Int32 // $!: the last background job's pid
	interrupted func() bool  // reports and clears a pending SIGINT (scripts)
	onThread    bool         // the shell runs on the context thread (Main, scripts)
	inSubst     bool         // the shell runs a $(...)
	sources     int          // source files being run, one inside another
	loops       int          // loops being run, one inside another (break N)
	conds       int          // conditions being run (if, while): their failures are tests
	// A script's FILE, the first line of the chunk being run and the
	// command's line in it, for messages from inside the command (where).
	whereFile            string
	whereBase, whereLine int
	jobs                 *builtins.Jobs
	exitWarned           bool

	mu   sync.Mutex
	vars map[string]*variable
	env  []string // Environ's answer until a variable changes
}

type variable struct {
	value    string
	set      bool
	exported bool
}

// NewShell builds a shell with the default handler chain: builtins first
// (they win name clashes), then the middleware in order, then programs.
// env becomes the exported variables.
func NewShell(ctx *nsctx.Context, stdin io.Reader, stdout, stderr io.Writer, env []string, mw ...Middleware) *Shell {
	sh := &Shell{Ctx: ctx, Stdin: stdin, Stdout: stdout, Stderr: stderr, Name: "nsh", vars: map[string]*variable{}}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			sh.vars[k] = &variable{value: v, set: true, exported: true}
		}
	}
	h := Handler(Spawn)
	mw = append([]Middleware{Builtins}, mw...)
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	sh.handler = h
	sh.jobs = builtins.NewJobs(-1)
	sh.jobs.Describe = func() string { return builtins.Where(ctx) }
	return sh
}

// Environ implements builtins.Shell: the exported variables.
func (sh *Shell) Environ() []string {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	// Every program started asks; variables rarely change.
	if sh.env != nil {
		return sh.env
	}
	env := make([]string, 0, len(sh.vars))
	for k, v := range sh.vars {
		if v.exported && v.set {
			env = append(env, k+"="+v.value)
		}
	}
	sh.env = env
	return env
}

// LastStatus implements builtins.Shell.
func (sh *Shell) LastStatus() int { return int(sh.last.Load()) }

// Var implements builtins.Shell.
func (sh *Shell) Var(name string) (string, bool) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	v, ok := sh.vars[name]
	if !ok || !v.set {
		return "", false
	}
	return v.value, true
}

// SetVar implements builtins.Shell.
func (sh *Shell) SetVar(name, value string, export bool) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	v := sh.variable(name)
	v.value, v.set = value, true
	v.exported = v.exported || export
	sh.env = nil
}

// variable finds or makes a variable; needs sh.mu.
func (sh *Shell) variable(name string) *variable {
	v, ok := sh.vars[name]
	if !ok {
		v = &variable{}
		sh.vars[name] = v
	}
	return v
}

// Export implements builtins.Shell.
func (sh *Shell) Export(name string) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.variable(name).exported = true
	sh.env = nil
}

// Unset implements builtins.Shell.
func (sh *Shell) Unset(name string) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	delete(sh.vars, name)
	sh.env = nil
}

// Vars implements builtins.Shell.
func (sh *Shell) Vars() []builtins.Var {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var vs []builtins.Var
	for k, v := range sh.vars {
		if v.set {
			vs = append(vs, builtins.Var{Name: k, Value: v.value, Exported: v.exported})
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Name < vs[j].Name })
	return vs
}

// Option implements builtins.Shell.
func (sh *Shell) Option(name string) bool {
	if o := sh.option(name); o != nil {
		return *o
	}
	return false
}

// SetOption implements builtins.Shell.
func (sh *Shell) SetOption(name string, on bool) error {
	o := sh.option(name)
	if o == nil {
		return fmt.Errorf("unknown option %q", name)
	}
	*o = on
	return nil
}

// option is the field behind an option of builtins.ShellOptions.
func (sh *Shell) option(name string) *bool {
	switch name {
	case "keepgoing":
		return &sh.KeepGoing
	case "xtrace":
		return &sh.Trace
	case "noglob":
		return &sh.NoGlob
	case "pipefail":
		return &sh.Pipefail
	}
	return nil
}

// at records that the command at line (of the chunk being run) runs.
func (sh *Shell) at(line int) { sh.whereLine = line }

// where is FILE:LINE of the script's command running, or "nsh".
func (sh *Shell) where() string {
	if sh.whereFile == "" {
		return "nsh"
	}
	return fmt.Sprintf("%s:%d", sh.whereFile, sh.whereBase+sh.whereLine-1)
}

// stopped reports a Ctrl-C: one that reached nsh (which it takes), or a
// program that died of it.
func (sh *Shell) stopped(err error) bool {
	pending := sh.interrupted != nil && sh.interrupted()
	return pending || errors.Is(err, builtins.Interrupted{})
}

// Jobs implements builtins.Shell.
func (sh *Shell) Jobs() *builtins.Jobs { return sh.jobs }

// maxSources bounds source inside source.
const maxSources = 32

// Source implements builtins.Shell: it runs a file in this shell.
func (sh *Shell) Source(env *builtins.Env, file string, args []string) error {
	if sh.sources >= maxSources {
		// A file that sources itself would otherwise run out of fds
		// a thousand levels down, and say so at every level.
		return &builtins.StatusError{Code: 1, Err: fmt.Errorf("%s: source nested more than %d deep", file, maxSources)}
	}
	sh.sources++
	defer func() { sh.sources-- }()
	var f *os.File
	err := sh.Ctx.Files(func(fs nsctx.FS) (err error) { f, err = fs.Open(file, os.O_RDONLY, 0); return })
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &builtins.StatusError{Code: 1, Err: fmt.Errorf("%s: %v", file, err)}
	}
	defer f.Close()
	saved := sh.Args
	if len(args) > 0 {
		sh.Args = args
	}
	// The file's commands use source's own streams: source f > log.
	in, out, errs := sh.Stdin, sh.Stdout, sh.Stderr
	sh.Stdin, sh.Stdout, sh.Stderr = env.Stdin, builtins.RawWriter(env.Stdout), env.Stderr
	// Messages after it name the caller's FILE:LINE again, or none.
	wFile, wBase, wLine := sh.whereFile, sh.whereBase, sh.whereLine
	defer func() {
		sh.Args, sh.Stdin, sh.Stdout, sh.Stderr = saved, in, out, errs
		sh.whereFile, sh.whereBase, sh.whereLine = wFile, wBase, wLine
	}()
	status, err := sh.run(newScriptReader(f), file, false)
	if err != nil {
		return err
	}

	if status != 0 {
		// Its own message (FILE:LINE: ...) is out already.
		return builtins.ExitStatus(status)
	}
	return nil
}

// Exec runs one command (already split into words) and records its
// status.
func (sh *Shell) Exec(args []string) error {
	env := &builtins.Env{Stdin: sh.Stdin, Stdout: sh.Stdout, Stderr: sh.Stderr, Ctx: sh.Ctx, Shell: sh}
	err := sh.handler(env, args)
	sh.last.Store(int32(builtins.Status(err)))
	return err
}

// Run reads and runs commands until the input ends or `exit`. A script
// (not interactive) stops at the first failing command and reports
// NAME:LINE: message, unless KeepGoing; the result is the exit status.
func (sh *Shell) Run(r LineReader, name string) int {
	status, err := sh.run(r, name, sh.Interactive)
	var er *builtins.ExitRequest
	if errors.As(err, &er) {
		return er.Code
	}
	return status
}

// run is Run, also for source. A non-nil error is an exit request or
// Interrupted, which end every level, or the MoveError that stopped the
// script, which ends a source around it unless that is tested.
//
// A script on the context thread (see place.go) runs the commands that
// can run there inline, and hands each stretch of the others (pipelines,
// plugin calls...) to one Context.Off: a loop of 1,000 plugin calls then
// costs one trip off the thread and back, not 1,000.
func (sh *Shell) run(rd LineReader, name string, interactive bool) (int, error) {
	r := &runState{sh: sh, src: &lineSource{r: rd}, name: name, interactive: interactive}
	if interactive || !sh.onThread || !sh.Ctx.OnThread() {
		for !r.done {
			if ao := r.next(); ao != nil {
				r.exec(ao, sh.place)
			}
		}
		return r.status, r.err
	}
	for !r.done {
		r.runWhile(true)
		if !r.done {
			sh.Ctx.Off(func() { r.runWhile(false) })
		}
	}
	return r.status, r.err
}

// runState is one run of the read, parse and execute loop.
type runState struct {
	sh          *Shell
	src         *lineSource
	name        string
	interactive bool
	failed      int  // with KeepGoing, the status of the last failure
	list        List // what is left of the chunk being run
	line        int  // the chunk's first line
	done        bool // the run is over: status and err are its result
	status      int
	err         error // an exit request or Interrupted, or the MoveError that stopped it
}

// runWhile runs and-or lists for as long as whether they can run inline
// (on the context thread) is the given answer.
func (r *runState) runWhile(inline bool) {
	for {
		ao := r.next()
		if ao == nil || r.sh.inline(ao) != inline {
			return
		}
		r.exec(ao, r.sh.runAndOr)
	}
}

// next returns the next and-or list to run, reading and parsing input as
// needed, or nil when the run is over.
func (r *runState) next() *AndOr {
	sh := r.sh
	prompt := func() string { return "" }
	if r.interactive {
		prompt = sh.prompt
	}
	for len(r.list) == 0 && !r.done {
		if r.interactive {
			sh.jobs.Report(sh.Stderr)
			if sh.interrupted != nil {
				sh.interrupted() // a Ctrl-C at the prompt is no news for the next command
			}
		}
		list, line, err := r.src.next(prompt, sh.contPrompt())
		switch {
		case errors.Is(err, io.EOF):
			if r.interactive {
				fmt.Fprintln(sh.Stderr)
				if sh.warnJobs() {
					continue
				}
			}
			r.status = int(sh.last.Load())
			if r.status == 0 && !r.interactive {
				r.status = r.failed
			}
			r.done = true
		case errors.Is(err, ErrInterrupted):
			sh.last.Store(int32(130))
		case err != nil:
			// Bad input: one error; a script stops at that line.
			sh.last.Store(int32(2))
			var se *SyntaxError
			if errors.As(err, &se) {
				line += se.Line - 1
			}
			if r.interactive {
				fmt.Fprintf(sh.Stderr, "nsh: %s\n", clip(err.Error(), msgMax))
				continue
			}
			fmt.Fprintf(sh.Stderr, "%s:%d: %s\n", r.name, line, clip(err.Error(), msgMax))
			if sh.KeepGoing && !errors.Is(err, ErrIncomplete) {
				r.failed = 2
				continue
			}
			r.status, r.done = 2, true
		default:
			r.list, r.line = list, line
		}
	}
	if r.done {
		return nil
	}
	return r.list[0]
}

// exec runs ao, the first of the chunk's lists, with run, and decides
// what follows: the rest of the chunk, the next, or the end of the run.
func (r *runState) exec(ao *AndOr, run func(*AndOr) (error, bool)) {
	sh := r.sh
	r.list = r.list[1:]
	if !r.interactive {
		sh.whereFile, sh.whereBase = r.name, r.line
		sh.at(ao.Line)
	}
	err, fatal := run(ao)
	var er *builtins.ExitRequest
	if errors.As(err, &er) {
		if r.interactive && sh.warnJobs() {
			r.list = nil
			return
		}
		r.status, r.err, r.done = er.Code, err, true
		return
	}
	if err == nil || !r.interactive {
		sh.exitWarned = false
	}
	var lc *builtins.LoopControl
	if errors.As(err, &lc) {
		// break or continue with no loop around: said, and nothing
		// more, as in bash.
		fmt.Fprintf(sh.Stderr, "%s: %s\n", sh.where(), lc)
		return
	}
	line := ao.Line
	for e := err; ; {
		var le *LineError // the innermost command that failed, in loops
		if !errors.As(e, &le) {
			break
		}
		line, e = le.Line, le.Err
	}
	if !r.interactive && sh.stopped(err) {
		fmt.Fprintf(sh.Stderr, "%s:%d: interrupted\n", r.name, r.line+line-1)
		// Interrupted ends every level, as exit does: a script that
		// sources this one stops too.
		r.status, r.err, r.done = 130, builtins.Interrupted{}, true
		return
	}
	switch {
	case err == nil:
	case r.interactive:
		if msg := interactiveMessage(err); msg != "" {
			fmt.Fprintf(sh.Stderr, "nsh: %s\n", clip(msg, msgMax))
		}
		if fatal {
			r.list = nil // the rest of this line's commands are not run
		}
	case fatal:
		if !errors.As(err, new(reported)) { // pipefail: a stage's, said at once
			fmt.Fprintf(sh.Stderr, "%s:%d: %s\n", r.name, r.line+line-1, clip(err.Error(), msgMax))
		}
		if moved := builtins.Moved(err); !sh.KeepGoing || moved {
			if moved {
				// A source around this script stops too (unless it is
				// tested): the context is not where it expects.
				r.err = &builtins.MoveError{Err: builtins.ExitStatus(sh.last.Load())}
			}
			r.status, r.done = int(sh.last.Load()), true
			return
		}
		r.failed = int(sh.last.Load())
	}
}

// warnJobs tells the user about running or stopped jobs the first time
// they try to leave; it reports whether nsh should stay.
func (sh *Shell) warnJobs() bool {
	running, stopped := sh.jobs.Active()
	if running+stopped == 0 || sh.exitWarned {
		return false
	}
	sh.exitWarned = true
	var what []string
	if stopped > 0 {
		what = append(what, fmt.Sprintf("%d stopped", stopped))
	}
	if running > 0 {
		what = append(what, fmt.Sprintf("%d running", running))
	}
	fmt.Fprintf(sh.Stderr, "nsh: there are jobs (%s; 'jobs' lists them). Exit again to leave anyway: stopped jobs get SIGHUP, running ones keep running.\n", strings.Join(what, ", "))
	return true
}

// reported is an error already said where it happened (report).
type reported struct{ error }

func (r reported) Unwrap() error { return r.error }

// report says what went wrong in a command whose failure does not end the
// script (so the run loop will not say it), and marks err as said.
func (sh *Shell) report(err error) error {
	if msg := interactiveMessage(err); msg != "" {
		fmt.Fprintf(sh.Stderr, "%s: %s\n", sh.where(), clip(msg, msgMax))
		return reported{err}
	}
	return err
}

// interactiveMessage is what the user sees for a failed command: nothing
// for a program that merely exited non-zero (as in bash), nor for what
// was said already.
func interactiveMessage(err error) string {
	var rp reported
	if err == nil || errors.As(err, &rp) {
		return ""
	}
	var es builtins.ExitStatus
	if errors.As(err, &es) {
		return ""
	}
	var sig *builtins.SignalError
	if errors.As(err, &sig) && sig.Sig == unix.SIGPIPE {
		return "" // yes | head -1: the reader is done, as in sh
	}
	return strings.TrimSpace(err.Error())
}

// msgMax bounds a message: room for a builtin's usage, not for the whole
// of a 100,000-character line of junk.
const msgMax = 1200

// clip keeps a message readable whatever the input was: control
// characters and invalid UTF-8 are escaped, and a very long message is
// cut in the middle.
func clip(s string, max int) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == 0xFFFD && len(s) > i && s[i] != 0xEF, r < 0x20, r == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		default:
			b.WriteRune(r)
		}
	}
	s = b.String()
	if len(s) <= max {
		return s
	}
	head, tail := s[:max*2/3], s[len(s)-max/4:]
	for !utf8.ValidString(head) {
		head = head[:len(head)-1]
	}
	for !utf8.ValidString(tail) {
		tail = tail[1:]
	}
	return fmt.Sprintf("%s…[%d bytes]…%s", head, len(s)-len(head)-len(tail), tail)
}
