package repl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/nsctx"
	"golang.org/x/sys/unix"
)

// runAndOr runs one and-or list. fatal reports whether its failure should
// stop a script: as with sh's set -e, a failure on the left of && or ||,
// or under !, is a test, not a failure.
func (sh *Shell) runAndOr(ao *AndOr) (err error, fatal bool) {
	switch {
	case ao.Loop != nil:
		return sh.forLoop(ao.Loop)
	case ao.If != nil:
		return sh.ifClause(ao.If)
	case ao.While != nil:
		return sh.whileLoop(ao.While)
	}
	if ao.Background {
		// A job that could not even start is a failure of its own.
		err := sh.background(ao)
		if err != nil {
			sh.last.Store(int32(builtins.Status(err)))
		}
		return err, err != nil
	}
	return sh.andOr(ao, nil)
}

func (sh *Shell) andOr(ao *AndOr, job *builtins.Job) (err error, fatal bool) {
	last := -1
	for i, p := range ao.Pipes {
		if i > 0 {
			ok := err == nil
			if ao.Ops[i-1] == "&&" && !ok || ao.Ops[i-1] == "||" && ok {
				continue
			}
		}
		// A pipeline is tested on the left of && or ||, under ! (see
		// pipeline) and in a condition.
		err = sh.pipeline(p, job, i < len(ao.Pipes)-1 || sh.conds > 0)
		if job == nil { // a background list has its own $?: its job's status
			sh.last.Store(int32(builtins.Status(err)))
		}
		if builtins.Control(err) {
			return err, true // exit, break and continue end the list
		}
		if err != nil && (i < len(ao.Pipes)-1 || job != nil && errors.Is(err, builtins.ErrMovesInJob)) {
			// A failure that && or || tests is said here, as in bash:
			// 'setns X || fallback' must tell why setns failed. So is a
			// job's refused builtin, which its status would not explain.
			err = sh.report(err)
		}
		last = i
		if job == nil && errors.Is(err, builtins.Interrupted{}) {
			// Ctrl-C ends the whole list, as in bash: the right of
			// || must not run because the left died of it. Waiting
			// for nsh's own handler to see the signal would race. (A
			// job's program killed with SIGINT from elsewhere is, as
			// in bash, a failure like another.)
			return err, true
		}
	}
	fatal = err != nil && last == len(ao.Pipes)-1 && !ao.Pipes[last].Not
	return err, fatal
}

// forLoop runs a for loop: its body once per word, each placed as a
// script's commands are (inline on the context thread where it can be).
// A failing command ends the loop as it would end a script (a later
// iteration must not run where a failed setns left the context); with -k
// the script then carries on after the loop.
func (sh *Shell) forLoop(f *ForLoop) (err error, fatal bool) {
	words := sh.Args
	if !f.Args {
		if words, err = sh.expand(f.Words, nil); err != nil {
			sh.last.Store(int32(builtins.Status(err)))
			return err, true
		}
	}
	sh.last.Store(0)
	sh.loops++
	defer func() { sh.loops-- }()
	for _, w := range words {
		sh.SetVar(f.Name, w, false)
		err, fatal := sh.runBody(f.Body)
		if brk, err := sh.loopDone(err); brk || err != nil {
			return err, err != nil && fatal
		}
	}
	return nil, false
}

// loopDone reads what a loop's body ended with: brk if the loop is over
// (break, or an error to pass on, which err then is), or neither
// (continue, or the end of the body). A break or continue for a loop
// further out goes on with one loop less to leave; past the outermost
// loop it acts on that one, as in sh.
func (sh *Shell) loopDone(err error) (brk bool, pass error) {
	var lc *builtins.LoopControl
	switch {
	case err == nil:
		return false, nil
	case !errors.As(err, &lc):
		return true, err
	case lc.N > 1 && sh.loops > 1:
		return true, &builtins.LoopControl{Break: lc.Break, N: lc.N - 1}
	}
	return lc.Break, nil
}

// runBody runs a compound command's list, each command placed as a
// script's are. It stops at exit, Ctrl-C, a failure that would end a
// script (reported at its own line), and break or continue, which it
// returns for the loop around to act on.
func (sh *Shell) runBody(l List) (err error, fatal bool) {
	for _, ao := range l {
		sh.at(ao.Line)
		err, fatal := sh.place(ao)
		if ret, fatal, stop := sh.settle(ao, err); stop {
			return ret, fatal
		}
		if err != nil && fatal {
			return &LineError{ao.Line, err}, true
		}
	}
	return nil, false
}

// settle tells whether what a command of a compound one ended with ends
// the compound command too: exit and Ctrl-C (fatal), break and continue
// (for the loop around).
func (sh *Shell) settle(ao *AndOr, err error) (ret error, fatal, stop bool) {
	var er *builtins.ExitRequest
	var lc *builtins.LoopControl
	switch {
	case errors.As(err, &er):
		return err, true, true
	case sh.stopped(err):
		sh.last.Store(130)
		return &LineError{ao.Line, builtins.Interrupted{}}, true, true
	case errors.As(err, &lc):
		return err, false, true
	}
	return nil, false, false
}

// runCond runs the condition of an if or a loop: its status is that of its
// last command. A failure there is a test, not the end of the script, as
// in sh; what went wrong in a builtin is still said.
func (sh *Shell) runCond(l List) (ok bool, err error, fatal bool) {
	sh.conds++
	defer func() { sh.conds-- }()
	for _, ao := range l {
		sh.at(ao.Line)
		err, _ := sh.place(ao)
		if ret, fatal, stop := sh.settle(ao, err); stop {
			return false, ret, fatal
		}
		if err != nil {
			sh.report(err)
		}
	}
	return sh.last.Load() == 0, nil, false
}

// ifClause runs the body of the first condition that succeeds, or the
// else part; with none, its status is 0, as in sh.
func (sh *Shell) ifClause(f *IfClause) (err error, fatal bool) {
	for i, c := range f.Conds {
		ok, err, fatal := sh.runCond(c)
		if err != nil {
			return err, fatal
		}
		if ok {
			return sh.runBody(f.Bodies[i])
		}
	}
	if f.Else != nil {
		return sh.runBody(f.Else)
	}
	sh.last.Store(0)
	return nil, false
}

// whileLoop runs its body while the condition succeeds (until: fails).
// Its status is that of the body's last command, 0 if it never ran.
func (sh *Shell) whileLoop(w *WhileLoop) (err error, fatal bool) {
	status := int32(0)
	sh.loops++
	defer func() { sh.loops-- }()
	for {
		ok, err, fatal := sh.runCond(w.Cond)
		if brk, err := sh.loopDone(err); brk || err != nil {
			return err, err != nil && fatal
		}
		if ok == w.Until {
			break
		}
		err, fatal = sh.runBody(w.Body)
		status = sh.last.Load()
		if brk, err := sh.loopDone(err); brk || err != nil {
			return err, err != nil && fatal
		}
	}
	sh.last.Store(status)
	return nil, false
}

// LineError is a failure of a command inside a compound one (a loop's
// body): Line is that command's line in the chunk, for FILE:LINE.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return e.Err.Error() }
func (e *LineError) Unwrap() error { return e.Err }

// background starts an and-or list as a job and returns at once.
func (sh *Shell) background(ao *AndOr) error {
	// A job runs alongside the shell, while the shell's context is only
	// one: a $(...) in a job would undo the shell's hops (or leak its
	// own), and a job started in $(...) would hop after the substitution
	// is undone.
	if sh.inSubst {
		return errors.New("& inside $(...): a job would outlive the substitution's context")
	}
	if hasSubst(ao) {
		return errors.New("$(...) in a background job: it would hop the shell's context while the shell runs; run it first (X=$(...); CMD $X &)")
	}
	text := andOrText(ao) + " &"
	js := sh.jobs
	j := js.NewJob(text, builtins.Where(sh.Ctx), false)
	// Its programs start where it was started, also those that start
	// after the shell has moved on (sleep 5 && ip link &).
	j.Snap, _ = sh.Ctx.Snapshot()
	// And it runs in a copy of the shell as it is now, as a subshell in
	// sh: its streams (source f > log: the log, even after source
	// returned), variables and FILE:LINE stay those of its start.
	jsh := sh.subshell(sh.Stdout)
	jsh.inSubst, jsh.onThread = false, false
	// Files the shell has only for a while (source's redirections) are
	// the job's own until it ends.
	var own []*os.File
	keep := func(f *os.File) *os.File {
		if f.Fd() <= 2 {
			return f
		}
		fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 3)
		if err != nil {
			return f
		}
		d := os.NewFile(uintptr(fd), f.Name())
		own = append(own, d)
		return d
	}
	if f, ok := jsh.Stdin.(*os.File); ok {
		jsh.Stdin = keep(f)
	}
	if f, ok := jsh.Stdout.(*os.File); ok {
		jsh.Stdout = keep(f)
	}
	if f, ok := jsh.Stderr.(*os.File); ok {
		jsh.Stderr = keep(f)
	}
	j.Go(true, func() error {
		defer func() {
			j.Snap.Close()
			for _, f := range own {
				f.Close()
			}
		}()
		err, _ := jsh.andOr(ao, j)
		return err
	})
	js.Add(j)
	j.Launched()
	sh.Started(j)
	return nil
}

// Started implements builtins.Shell.
func (sh *Shell) Started(j *builtins.Job) {
	sh.lastBg.Store(int32(j.Pid()))
	if sh.Interactive {
		fmt.Fprintf(sh.Stderr, "[%d] %d\n", j.ID, j.Pid())
	}
}

// listText writes a list out on one line, each and-or list ended by "; "
// or " & ".
func listText(l List) string {
	var b strings.Builder
	for _, a := range l {
		b.WriteString(andOrText(a))
		if a.Background {
			b.WriteString(" & ")
		} else {
			b.WriteString("; ")
		}
	}
	return b.String()
}

func andOrText(ao *AndOr) string {
	var b strings.Builder
	list := func(l List) { b.WriteString(listText(l)) }
	switch {
	case ao.Loop != nil:
		f := ao.Loop
		b.WriteString("for " + f.Name)
		if !f.Args {
			b.WriteString(" in")
			for _, w := range f.Words {
				b.WriteString(" " + w.String())
			}
		}
		b.WriteString("; do ")
		list(f.Body)
		b.WriteString("done")
		return b.String()
	case ao.If != nil:
		for i, c := range ao.If.Conds {
			if i == 0 {
				b.WriteString("if ")
			} else {
				b.WriteString("elif ")
			}
			list(c)
			b.WriteString("then ")
			list(ao.If.Bodies[i])
		}
		if ao.If.Else != nil {
			b.WriteString("else ")
			list(ao.If.Else)
		}
		b.WriteString("fi")
		return b.String()
	case ao.While != nil:
		if ao.While.Until {
			b.WriteString("until ")
		} else {
			b.WriteString("while ")
		}
		list(ao.While.Cond)
		b.WriteString("do ")
		list(ao.While.Body)
		b.WriteString("done")
		return b.String()
	}
	for i, p := range ao.Pipes {
		if i > 0 {
			b.WriteString(" " + ao.Ops[i-1] + " ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// pipeline runs one pipeline. A lone command in the foreground runs on
// the shell's own goroutine (a builtin changes the shell directly; a
// program makes a job of its own in Spawn). Otherwise every stage runs
// at once on its own goroutine with pipes between them, programs in one
// process group; every stage runs in the current context. Within a
// background job (job != nil) the stages join that job.
//
// Its status is its last stage's, with pipefail its last failed stage's.
// But a stage that is a refused or failed builtin that changes the
// context (setns X | cat) fails the pipeline, whatever its status, unless
// tested is set or the pipeline is negated: then it is only said.
func (sh *Shell) pipeline(p *Pipeline, job *builtins.Job, tested bool) error {
	cmds := make([]expanded, len(p.Cmds))
	x := &expansion{subst: -1}
	for i, c := range p.Cmds {
		e, err := sh.expandCmd(c, x)
		if err != nil {
			return err
		}
		if len(e.argv) == 0 && len(c.Words) > 0 && len(c.Assigns) == 0 && x.subst < 0 {
			return fmt.Errorf("empty command: %s expands to nothing", c.Words[0])
		}
		cmds[i] = e
	}
	if sh.Trace {
		// Control characters are escaped: a trace must not drive the terminal.
		fmt.Fprintf(sh.Stderr, "+ [%s] %s\n", builtins.Where(sh.Ctx), clip(traceText(cmds), 4*msgMax))
	}
	var err error
	if c := p.Cmds[0]; len(p.Cmds) == 1 && len(cmds[0].argv) == 0 {
		// NAME=VALUE alone (or before words that expanded to nothing)
		// sets shell variables, exported ones staying so; in a pipeline
		// or a job it would change a copy, as in sh: nothing. Its
		// redirections are made (and closed); its status is that of its
		// last $(...), as in sh.
		err = sh.assignOnly(c, cmds[0], job == nil)
		if err == nil && x.subst > 0 {
			err = &builtins.StatusError{Code: x.subst, Err: fmt.Errorf("$(...) exited with status %d", x.subst)}
		}
	} else if len(p.Cmds) == 1 && job == nil {
		sh.jobs.SaveModes()
		err = sh.stage(p.Cmds[0], cmds[0], sh.Stdin, sh.Stdout, nil)
	} else {
		var moved error
		err, moved = sh.stages(p, cmds, job)
		switch {
		case moved == nil:
		case tested || p.Not:
			sh.report(moved)
		default:
			sh.report(err)
			err = moved
		}
	}
	if p.Not {
		if err == nil {
			return builtins.ExitStatus(1)
		}
		if !builtins.Control(err) && !errors.Is(err, builtins.Interrupted{}) {
			sh.report(err) // ! cd /x: a success, but why cd failed is said
			return nil
		}
	}
	return err
}

// expanded is a command after expansion: its NAME=VALUE assignments, its
// words and its redirections' targets ("" for N>&M).
type expanded struct {
	assigns       []nameValue
	argv, targets []string
}

// nameValue is NAME=VALUE expanded, the value as it came (NAME=$(...):
// the output itself, not a copy).
type nameValue struct{ name, value string }

// expandCmd expands a command as sh does: its words first, then its
// assignments in order, each value one string (never split nor globbed)
// that sees the assignments before it.
func (sh *Shell) expandCmd(c *Cmd, x *expansion) (expanded, error) {
	var e expanded
	var err error
	if e.argv, err = sh.expand(c.Words, x); err != nil {
		return e, err
	}
	// Redirection targets too, now: a $(...) in one must run before
	// the pipeline's stages start and take the terminal.
	for _, r := range c.Redirs {
		target := ""
		if r.Target != nil {
			if target, err = sh.expandOne(r.Target, x); err != nil {
				return e, err
			}
		}
		e.targets = append(e.targets, target)
	}
	x.vars = nil
	for _, a := range c.Assigns {
		fs, err := sh.fields(a.Value, false, false, x)
		if err != nil {
			return e, err
		}
		value := strings.Join(fs, " ")
		if x.vars == nil {
			x.vars = map[string]string{}
		}
		x.vars[a.Name] = value
		e.assigns = append(e.assigns, nameValue{a.Name, value})
	}
	return e, nil
}

// assignOnly runs a command that has no words left: it makes its
// redirections (a file named by > is created, as in sh) and, if set,
// sets its variables.
func (sh *Shell) assignOnly(c *Cmd, e expanded, set bool) error {
	env := &builtins.Env{Stdin: sh.Stdin, Stdout: sh.Stdout, Stderr: sh.Stderr, Ctx: sh.Ctx, Shell: sh}
	files, err := sh.redirect(c.Redirs, e.targets, env)
	for _, f := range files {
		f.Close()
	}
	if err != nil {
		return err
	}
	if set {
		for _, a := range e.assigns {
			sh.SetVar(a.name, a.value, false)
		}
	}
	return nil
}

func traceText(cmds []expanded) string {
	var out []string
	for _, e := range cmds {
		var ws []string
		for _, a := range e.assigns {
			ws = append(ws, a.name+"="+quoteWord(a.value))
		}
		for _, w := range e.argv {
			ws = append(ws, quoteWord(w))
		}
		out = append(out, strings.Join(ws, " "))
	}
	return strings.Join(out, " | ")
}

func quoteWord(w string) string {
	if w != "" && !strings.ContainsAny(w, " \t\n'\"\\$;&|<>#~*?[]()") {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// stages runs a pipeline of more than one command. It returns the
// pipeline's status (an error, nil for 0) and, unsaid, the last stage's
// MoveError that is not the status, if any. What goes wrong in another stage
// is said, as in sh: at once, or, for a MoveError, at the end.
func (sh *Shell) stages(p *Pipeline, cmds []expanded, job *builtins.Job) (status, moved error) {
	n := len(p.Cmds)
	// pipes[i] joins stage i and i+1.
	type pipe struct{ r, w *os.File }
	pipes := make([]pipe, n-1)
	for i := range pipes {
		r, w, err := os.Pipe()
		if err != nil {
			for _, q := range pipes[:i] {
				q.r.Close()
				q.w.Close()
			}
			return err, nil
		}
		pipes[i] = pipe{r, w}
	}
	j := job
	var (
		wg      sync.WaitGroup
		lastErr error
	)
	run := func(last bool, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); last {
				lastErr = err
			}
		}()
	}
	if j == nil {
		j = sh.jobs.NewJob(traceText(cmds), "", true)
		sh.jobs.SaveModes()
		run = j.Go
	}
	// The last stage's goroutine gives the job its status, so it waits
	// for the others: with pipefail any of them may be the one.
	errs := make([]error, n)
	var others sync.WaitGroup
	others.Add(n - 1)
	movedc := make(chan error, 1)
	pipefail := sh.Pipefail
	for i, c := range p.Cmds {
		var in io.Reader = sh.Stdin
		var out io.Writer = sh.Stdout
		var closers []*os.File
		if i > 0 {
			in = pipes[i-1].r
			closers = append(closers, pipes[i-1].r)
		}
		if i < n-1 {
			out = pipes[i].w
			closers = append(closers, pipes[i].w)
		}
		c, e, last := c, cmds[i], i == n-1
		run(last, func() error {
			err := sh.stageOf(c, e, in, out, j, closers)
			if !last {
				if !builtins.Moved(err) {
					err = sh.report(err)
				}
				errs[i] = err
				others.Done()
				return err
			}
			errs[i] = err
			others.Wait()
			si := n - 1 // the stage whose status is the pipeline's
			for pipefail && errs[si] == nil && si > 0 {
				si--
			}
			mi := -1 // the last MoveError's; those before are said
			for k, e := range errs {
				if builtins.Moved(e) && k != si {
					if mi >= 0 {
						sh.report(errs[mi])
					}
					mi = k
				}
			}
			if mi >= 0 {
				movedc <- errs[mi]
			}
			return errs[si]
		})
	}
	if job != nil {
		wg.Wait()
		status = lastErr
	} else {
		status = sh.jobs.Foreground(j, sh.Stderr)
	}
	select {
	case moved = <-movedc:
	default: // stopped (Ctrl-Z) before its end
	}
	return status, moved
}

// stageOf runs one stage of a pipeline and closes its pipe ends.
func (sh *Shell) stageOf(c *Cmd, e expanded, in io.Reader, out io.Writer, j *builtins.Job, closers []*os.File) error {
	defer func() {
		for _, f := range closers {
			f.Close()
		}
	}()
	err := sh.stage(c, e, in, out, j)
	var er *builtins.ExitRequest
	if errors.As(err, &er) {
		// exit in a pipeline ends its stage, not nsh (as in sh, where
		// the stage is a subshell).
		return builtins.ExitStatus(er.Code)
	}
	var lc *builtins.LoopControl
	if errors.As(err, &lc) {
		return nil // break in a stage: nothing, as in sh's subshell
	}
	return err
}

// stage applies a command's redirections and runs it.
func (sh *Shell) stage(c *Cmd, e expanded, in io.Reader, out io.Writer, j *builtins.Job) error {
	argv := e.argv
	if len(argv) == 0 {
		return nil // assignments alone, in a pipeline: see pipeline
	}
	env := &builtins.Env{Stdin: in, Stdout: out, Stderr: sh.Stderr, Ctx: sh.Ctx, Shell: sh, Job: j}
	if len(e.assigns) > 0 {
		var kvs []string
		for _, a := range e.assigns {
			kvs = append(kvs, a.name+"="+a.value)
		}
		env.Shell = builtins.Overlay(sh, kvs)
	}
	files, err := sh.redirect(c.Redirs, e.targets, env)
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	if err == nil {
		err = sh.handler(env, argv)
	}
	if w := env.Stderr; w != sh.Stderr && err != nil {
		// Its stderr is redirected: the message goes there, as in sh.
		var es builtins.ExitStatus
		if !errors.As(err, &es) && !builtins.Control(err) {
			fmt.Fprintf(w, "%s: %s\n", argv[0], strings.TrimPrefix(err.Error(), argv[0]+": "))
			return builtins.ExitStatus(builtins.Status(err))
		}
	}
	return err
}

// RedirError is a redirection that could not be made.
type RedirError struct {
	Op, Path string
	Err      error
}

func (e *RedirError) Error() string {
	return fmt.Sprintf("cannot redirect %s %s: %v", e.Op, e.Path, e.Err)
}

func (e *RedirError) Unwrap() error { return e.Err }

// redirect opens the redirections' files on the context thread (so they
// are found in the context's mount namespace and working directory) and
// sets env's streams, left to right as sh does: >f 2>&1 sends both to f.
func (sh *Shell) redirect(rs []*Redir, targets []string, env *builtins.Env) ([]*os.File, error) {
	var opened []*os.File
	for i, r := range rs {
		if r.Fd > 2 || r.Op == ">&" && r.Dup > 2 {
			return opened, fmt.Errorf("only descriptors 0, 1 and 2 can be redirected")
		}
		if r.Op == ">&" {
			var s any
			switch r.Dup {
			case 0:
				s = env.Stdin
			case 1:
				s = env.Stdout
			case 2:
				s = env.Stderr
			}
			if err := setStream(env, r.Fd, s); err != nil {
				return opened, err
			}
			continue
		}
		path := targets[i]
		flags := os.O_RDONLY
		switch r.Op {
		case ">":
			flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		case ">>":
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		var f *os.File
		err := sh.Ctx.Files(func(fs nsctx.FS) (err error) {
			f, err = fs.Open(path, flags, 0o666)
			if err == nil && r.Op == "<" {
				if st, serr := f.Stat(); serr == nil && st.IsDir() {
					f.Close()
					return unix.EISDIR
				}
			}
			return err
		})
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			if errors.Is(err, unix.EISDIR) {
				err = errors.New("is a directory")
			}
			return opened, &RedirError{Op: r.Op, Path: path, Err: err}
		}
		opened = append(opened, f)
		if err := setStream(env, r.Fd, f); err != nil {
			return opened, err
		}
	}
	return opened, nil
}

func setStream(env *builtins.Env, fd int, s any) error {
	switch fd {
	case 0:
		r, ok := s.(io.Reader)
		if !ok {
			return fmt.Errorf("cannot read from that descriptor")
		}
		env.Stdin = r
	case 1, 2:
		w, ok := s.(io.Writer)
		if !ok || s == nil {
			return fmt.Errorf("cannot write to that descriptor")
		}
		if fd == 1 {
			env.Stdout = w
		} else {
			env.Stderr = w
		}
	}
	return nil
}
