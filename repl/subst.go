package repl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nsh-dev/nsh/builtins"
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
func (sh *Shell) substitute(text string, x *expansion) (string, int, error) {
	list, err := Parse(text)
	if err != nil {
		return "", 2, err
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
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&out, r)
		r.Close()
		close(copied)
	}()
	sub := sh.subshell(w)
	for name, value := range x.assigned() {
		// A=1 B=$(echo $A): the assignments before it count, as in sh.
		sub.vars[name] = &variable{value: value, set: true}
	}
	status, interrupted := sub.runList(list)
	w.Close()
	// A background job started inside still holds the pipe: as in sh,
	// the output is complete when every writer has closed it.
	<-copied
	if err := restore(); err != nil {
		return "", 1, fmt.Errorf("$(...): going back to the context: %w", err)
	}
	if interrupted {
		// The command around it must not run on partial output.
		return "", 130, &builtins.StatusError{Code: 130, Err: fmt.Errorf("$(...): %w", builtins.Interrupted{})}
	}
	// NUL cannot be in an argument; sh drops it too.
	s := strings.ReplaceAll(out.String(), "\x00", "")
	return strings.TrimRight(s, "\n"), status, nil
}

// subshell is a copy of the shell writing to stdout, with jobs of its own
// and no terminal: for $(...), and for a background job.
func (sh *Shell) subshell(stdout io.Writer) *Shell {
	sub := &Shell{
		Ctx: sh.Ctx, Stdin: sh.Stdin, Stdout: stdout, Stderr: sh.Stderr,
		KeepGoing: sh.KeepGoing, Trace: sh.Trace, NoGlob: sh.NoGlob,
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
		if fatal && !sh.KeepGoing {
			break
		}
	}
	return int(sh.last.Load()), false
}
