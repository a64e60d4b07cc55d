package repl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/internal/capture"
)

// substitute runs $(text) and returns its output without trailing
// newlines, and its exit status.
//
// It runs like sh's subshell: in a copy of the shell (variables, cd,
// options and jobs stay inside), and in the current context, whose every
// change is undone afterwards: $(setns /run/netns/lab; cat /etc/hostname)
// reads the lab's file and leaves the shell where it was. Like a script,
// it stops at its first failing command (the safe default for namespace
// work: nothing runs where a failed setns left it), unless set -k.
//
// Its output is bounded (substMax): past the limit the pipe is closed, the
// commands inside stop, and it fails, so the command around it does not run.
func (sh *Shell) substitute(text string, x *expansion) (string, int, error) {
	list, err := Parse(text)
	if err != nil {
		return "", 2, err
	}
	max, err := sh.substMax(x)
	if err != nil {
		return "", 1, err
	}
	restore, err := sh.Ctx.Save()
	if err != nil {
		return "", 1, fmt.Errorf("$(...): %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		restore()
		return "", 1, fmt.Errorf("$(...): %w", err)
	}
	out := capture.Buffer{Max: max}
	var over atomic.Bool
	var readErr error
	copied := make(chan struct{})
	go func() {
		_, readErr = out.ReadFrom(r)
		var le *capture.LimitError
		over.Store(errors.As(readErr, &le))
		// Past the limit (or on a failed read), its writers get EPIPE
		// now, and a program SIGPIPE, instead of waiting for a reader.
		r.Close()
		close(copied)
	}()
	sub := sh.subshell(w)
	for name, value := range x.assigned() {
		// A=1 B=$(echo $A): the assignments before it count, as in sh.
		sub.vars[name] = &variable{value: value, set: true}
	}
	// Past the limit, the commands left inside do not run either, as
	// after Ctrl-C: a loop that ignores the failed writes ends.
	pending := sh.interrupted
	sub.interrupted = func() bool { return over.Load() || pending != nil && pending() }
	status, interrupted := sub.runList(list)
	w.Close()
	// A background job started inside still holds the pipe: as in sh,
	// the output is complete when every writer has closed it.
	<-copied
	if err := restore(); err != nil {
		return "", 1, fmt.Errorf("$(...): going back to the context: %w", err)
	}
	if readErr != nil {
		// The command around it must not run on partial output.
		var le *capture.LimitError
		if errors.As(readErr, &le) {
			readErr = fmt.Errorf("%w (NSH_SUBST_MAX raises it)", le)
		}
		return "", 1, &builtins.StatusError{Code: 1, Err: fmt.Errorf("$(...): %w", readErr)}
	}
	if interrupted {
		return "", 130, &builtins.StatusError{Code: 130, Err: fmt.Errorf("$(...): %w", builtins.Interrupted{})}
	}
	return out.Take(), status, nil
}

// substDefault bounds a $(...)'s output unless NSH_SUBST_MAX says
// otherwise. Output meant for words: no program takes an argument over
// 128 KiB, so 256 MiB is room for any variable and small enough that a
// runaway producer ($(yes)) costs half a gigabyte (the output and its one
// copy), not the machine.
const substDefault = 256 << 20

// substMax is the limit on a $(...)'s output: NSH_SUBST_MAX (an
// assignment before it in the same command counts), or substDefault.
func (sh *Shell) substMax(x *expansion) (int64, error) {
	v, ok := x.lookup("NSH_SUBST_MAX")
	if !ok {
		v, ok = sh.Var("NSH_SUBST_MAX")
	}
	if !ok || v == "" {
		return substDefault, nil
	}
	n, err := capture.ParseSize(v)
	if err != nil {
		return 0, &builtins.StatusError{Code: 1, Err: fmt.Errorf("$(...): NSH_SUBST_MAX: %w", err)}
	}
	return n, nil
}

// subshell is a copy of the shell writing to stdout, with jobs of its own
// and no terminal: for $(...), and for a background job.
func (sh *Shell) subshell(stdout io.Writer) *Shell {
	sub := &Shell{
		Ctx: sh.Ctx, Stdin: sh.Stdin, Stdout: stdout, Stderr: sh.Stderr,
		KeepGoing: sh.KeepGoing, Trace: sh.Trace, NoGlob: sh.NoGlob, Pipefail: sh.Pipefail,
		Name: sh.Name, Args: sh.Args, CommandNames: sh.CommandNames, Interactive: sh.Interactive,
		whereFile: sh.whereFile, whereBase: sh.whereBase, whereLine: sh.whereLine,
		handler: sh.handler, interrupted: sh.interrupted, onThread: sh.onThread,
		jobs: builtins.NewJobs(-1), inSubst: true,
	}
	sub.jobs.Describe = sh.jobs.Describe
	sub.loops = sh.loops // break in $(...) inside a loop ends the $(...)
	sub.last.Store(sh.last.Load())
	sub.lastBg.Store(sh.lastBg.Load())
	sh.mu.Lock()
	sub.vars = make(map[string]*variable, len(sh.vars))
	for name, v := range sh.vars {
		c := *v
		sub.vars[name] = &c
	}
	sh.mu.Unlock()
	return sub
}

// runList runs a parsed list as a script would, and returns its status;
// exit ends it with that status, Ctrl-C (in a script) at once.
func (sh *Shell) runList(list List) (status int, interrupted bool) {
	for _, ao := range list {
		err, fatal := sh.place(ao)
		if sh.stopped(err) {
			return 130, true
		}
		var er *builtins.ExitRequest
		if errors.As(err, &er) {
			return er.Code, false
		}
		var lc *builtins.LoopControl
		if errors.As(err, &lc) {
			// As in sh's subshell: inside a loop it ends the $(...);
			// outside one it is said, as at the top.
			if sh.loops == 0 {
				fmt.Fprintf(sh.Stderr, "%s: $(...): %s\n", sh.where(), lc)
			}
			return 0, false
		}
		if err == nil {
			continue
		}
		if msg := interactiveMessage(err); msg != "" {
			fmt.Fprintf(sh.Stderr, "%s: $(...): %s\n", sh.where(), clip(msg, msgMax))
		}
		if fatal && (!sh.KeepGoing || builtins.Moved(err)) {
			break
		}
	}
	return int(sh.last.Load()), false
}
