package lang

import (
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/jobs"
)

// runSub runs a subshell's statements to their end and gives its exit
// status, and the stop that ended it, if one did. Its EXIT trap runs
// last.
func (sub *Shell) runSub(ss []*syntax.Stmt) (status int, stop *stopError) {
	err := sub.stmts(ss)
	status, stop = sub.exitStatus(err)
	sub.last = status
	if sub.runExitTrap() {
		status = sub.last
	}
	return status, stop
}

// exitStatus is the status a shell ends with after err.
func (sh *Shell) exitStatus(err error) (int, *stopError) {
	var (
		er *command.ExitRequest
		rr *builtins.ReturnRequest
		se *stopError
	)
	switch {
	case errors.As(err, &er):
		return er.Code, nil
	case errors.As(err, &rr):
		return rr.Code, nil
	case errors.As(err, &se):
		return se.status, se
	case errors.Is(err, command.Interrupted{}):
		sh.intr = true
		return 130, nil
	}
	return sh.last, nil
}

// subshellCmd runs ( LIST ): a copy of the shell, in the context as it is,
// whose every change (variables, cd, hops, pushes) is undone at its end.
func (sh *Shell) subshellCmd(c *syntax.Subshell) error {
	ref, restore, err := sh.cx.foreground()
	if err != nil {
		sh.last = 1
		return sh.said(err)
	}
	sub := sh.subshell(ref)
	status, stop := sub.runSub(c.Stmts)
	sub.fds.close()
	rerr := restore()
	ref.close()
	sh.last = status
	if rerr != nil {
		return sh.stop(rerr)
	}
	if sh.stopped(nil) || sub.intr { // sub.intr: see cmdSubst
		return command.Interrupted{}
	}
	return subshellError(status, stop)
}

// subshellError is what a subshell that ended with status says to the
// shell around it: why it stopped, if that was not said yet.
func subshellError(status int, stop *stopError) error {
	switch {
	case status == 0:
		return nil
	case stop != nil && stop.msg != "" && stop.pos != nil:
		return command.At(*stop.pos, &command.StatusError{Code: status, Err: errors.New(stop.msg)})
	case stop != nil && stop.msg != "":
		return &command.StatusError{Code: status, Err: errors.New(stop.msg)}
	}
	return saidError{command.ExitStatus(status)}
}

// pipeline runs a | b | c: every stage at once, each a subshell of its own
// (as in sh: a cd or a variable set in one is lost), with pipes between
// them; their programs form one job. A stage shares the context with the
// others until it would move it, and then gets a copy of its own: one
// stage's setns never moves another, nor the shell. The status is the last
// stage's (with pipefail, the last that failed). A namespace builtin that
// failed in any stage stops the script, whatever the status.
func (sh *Shell) pipeline(c *syntax.BinaryCmd) error {
	if sh.onThread {
		var err error
		sh.off(func() { err = sh.pipeline(c) })
		return err
	}
	stages, alls := flattenPipe(c)
	n := len(stages)
	job := sh.stage
	fg := job == nil
	if fg {
		job = sh.jobs.NewJob(pipeText(c), "", true)
		sh.jobs.SaveModes()
	}
	statuses := make([]int, n)
	stops := make([]*stopError, n)
	subs := make([]*Shell, n)
	var wg sync.WaitGroup
	var prev *os.File
	for i, st := range stages {
		sub := sh.subshell(sh.cx.concurrent())
		sub.stage, sub.onThread = job, false
		subs[i] = sub
		if prev != nil {
			sub.fds.set(0, prev, true)
			prev = nil
		}
		if i < n-1 {
			r, w, err := os.Pipe()
			if err != nil {
				sub.fds.close()
				sh.last = 1
				return sh.said(err)
			}
			sub.fds.set(1, w, true)
			if alls[i] {
				sub.fds.dup(2, 1)
			}
			prev = r
		}
		i, st := i, st
		run := func() error {
			defer sub.cx.close()
			defer sub.fds.close()
			statuses[i], stops[i] = sub.runSub([]*syntax.Stmt{st})
			if statuses[i] == 0 {
				return nil
			}
			return command.ExitStatus(statuses[i])
		}
		if fg {
			job.Go(i == n-1, run)
		} else {
			wg.Add(1)
			go func() { defer wg.Done(); run() }()
		}
	}
	if fg {
		err := sh.jobs.Foreground(job, sh.stderr())
		if st := command.Status(err); err != nil && statuses[n-1] == 0 {
			// Stopped (Ctrl-Z): the job's status, as the shell sees it.
			statuses[n-1] = st
		}
	} else {
		wg.Wait()
	}
	sh.last = statuses[n-1]
	if sh.opts.pipefail {
		for i := n - 1; i >= 0; i-- {
			if statuses[i] != 0 {
				sh.last = statuses[i]
				break
			}
		}
	}
	if sh.stopped(nil) {
		return command.Interrupted{}
	}
	for _, sub := range subs {
		if sub.intr {
			// A stage died of Ctrl-C: the pipeline is interrupted, as
			// in bash, whether nsh's own handler has seen it yet or not.
			return command.Interrupted{}
		}
	}
	for _, s := range stops {
		if s != nil && s.ns && sh.tested == 0 {
			return s
		}
	}
	last := n - 1
	for i := n - 1; i >= 0 && sh.opts.pipefail; i-- {
		if statuses[i] != 0 {
			last = i
			break
		}
	}
	return subshellError(sh.last, stops[last])
}

// flattenPipe lists the stages of a | b |& c, and which send stderr too.
func flattenPipe(c *syntax.BinaryCmd) (stages []*syntax.Stmt, alls []bool) {
	var walk func(s *syntax.Stmt)
	walk = func(s *syntax.Stmt) {
		if b, ok := s.Cmd.(*syntax.BinaryCmd); ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll) && !s.Negated && !s.Background && len(s.Redirs) == 0 {
			walk(b.X)
			alls[len(alls)-1] = b.Op == syntax.PipeAll
			walk(b.Y)
			return
		}
		stages = append(stages, s)
		alls = append(alls, false)
	}
	walk(c.X)
	alls[len(alls)-1] = c.Op == syntax.PipeAll
	walk(c.Y)
	return stages, alls
}

func pipeText(n syntax.Node) string {
	var b strings.Builder
	syntax.NewPrinter(syntax.SingleLine(true)).Print(&b, n)
	return b.String()
}

// background starts s as a job and goes on at once. The job is a subshell
// with the context as it is now (a snapshot): its programs start there,
// whatever the shell does next, and it gets a context of its own the
// first time it would move it. Without job control its standard input is
// /dev/null, as POSIX says.
func (sh *Shell) background(s *syntax.Stmt) error {
	cx, err := sh.cx.background()
	if err != nil {
		sh.last = 1
		return sh.said(err)
	}
	sub := sh.subshell(cx)
	sub.onThread = false
	text := pipeText(s)
	j := sh.jobs.NewJob(text, jobs.Where(cx.current()), false)
	sub.stage = j
	if !sh.interactive {
		if null, err := os.Open(os.DevNull); err == nil {
			sub.fds.set(0, null, true)
		}
	}
	killed := new(atomic.Int32)
	j.OnSignal = func(sig unix.Signal) {
		if sig != unix.SIGCHLD && sig != unix.SIGWINCH && sig != unix.SIGURG {
			killed.Store(128 + int32(sig))
		}
	}
	sub.abort = chainAbort(sh.abort, func() int { return int(killed.Load()) })
	fg := *s
	fg.Background = false
	j.Go(true, func() error {
		defer cx.close()
		defer sub.fds.close()
		status, _ := sub.runSub([]*syntax.Stmt{&fg})
		if status == 0 {
			return nil
		}
		return command.ExitStatus(status)
	})
	sh.jobs.Add(j)
	j.Launched()
	sh.Started(j)
	sh.last = 0
	return nil
}
