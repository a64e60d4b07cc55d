package lang

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/builtins"
)

// declClause runs export, readonly, local, declare and typeset as the
// bash parser gives them: NAME=VALUE operands are one word each, never
// split nor globbed (as POSIX 2024 says for export and readonly too).
func (sh *Shell) declClause(c *syntax.DeclClause) error {
	args := []string{c.Variant.Value}
	for _, a := range c.Args {
		switch {
		case a.Naked && a.Name != nil:
			args = append(args, a.Name.Value)
		case a.Naked:
			fs, err := sh.fields(a.Value)
			if err != nil {
				return sh.expandError(err)
			}
			args = append(args, fs...)
		case a.Array != nil || a.Index != nil:
			sh.last = 2
			return sh.said(fmt.Errorf("%s: arrays in %s are not supported by nsh", a.Name.Value, c.Variant.Value))
		default:
			vr, err := sh.assignValue(a)
			if err != nil {
				return sh.expandError(err)
			}
			args = append(args, a.Name.Value+"="+vr.String())
		}
	}
	if sh.opts.xtrace {
		sh.trace(nil, args)
	}
	return sh.dispatch(args, nil, sh.fds, true)
}

// timeClause runs time PIPELINE and says how long it took on stderr.
func (sh *Shell) timeClause(c *syntax.TimeClause) error {
	var before, after unix.Rusage
	unix.Getrusage(unix.RUSAGE_CHILDREN, &before)
	var self0 unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &self0)
	start := time.Now()
	var err error
	if c.Stmt != nil {
		err = sh.stmt(c.Stmt)
	}
	real := time.Since(start)
	unix.Getrusage(unix.RUSAGE_CHILDREN, &after)
	var self1 unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &self1)
	user := tv(after.Utime) - tv(before.Utime) + tv(self1.Utime) - tv(self0.Utime)
	sys := tv(after.Stime) - tv(before.Stime) + tv(self1.Stime) - tv(self0.Stime)
	if c.PosixFormat {
		fmt.Fprintf(sh.stderr(), "real %.2f\nuser %.2f\nsys %.2f\n", real.Seconds(), user.Seconds(), sys.Seconds())
	} else {
		fmt.Fprintf(sh.stderr(), "\nreal\t%s\nuser\t%s\nsys\t%s\n", minSec(real), minSec(user), minSec(sys))
	}
	return err
}

func tv(t unix.Timeval) time.Duration {
	return time.Duration(t.Sec)*time.Second + time.Duration(t.Usec)*time.Microsecond
}

func minSec(d time.Duration) string {
	m := int(d / time.Minute)
	return fmt.Sprintf("%dm%.3fs", m, (d - time.Duration(m)*time.Minute).Seconds())
}

// testClause is [[ ]]: bash's test, with words expanded but not split
// nor globbed, == != matching patterns, =~ regexps, and arithmetic for
// -eq and the others; files are looked at where the context is.
func (sh *Shell) testClause(x syntax.TestExpr) (bool, error) {
	env := sh.envFor(sh.fds)
	ctx, err := sh.cx.get(false)
	if err != nil {
		return false, err
	}
	env.Ctx, env.Snap = ctx, sh.cx.snapshot()
	word := func(w *syntax.Word, pattern bool) (string, error) {
		if pattern {
			return sh.patternOf(w)
		}
		return sh.literal(w)
	}
	return builtins.EvalTest(env, x, word, builtins.ArithFunc(sh.expandCfg()))
}
