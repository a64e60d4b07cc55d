package lang

import (
	"errors"
	"fmt"
	"strconv"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/command"
)

// What a statement returns besides its status (in sh.last): nil, or a
// change of course that ends more than the statement. Exit and Ctrl-C end
// the shell (or the subshell), return ends a function or a sourced file,
// break and continue end loops, and a stop ends a script that must not go
// on (set -e, or a namespace builtin that failed untested).

// stopError ends a script: a failure that set -e, or nsh's rule for
// namespace builtins, does not let pass. Its message, if any, was said.
type stopError struct {
	status int
	ns     bool         // a namespace builtin failed: it stops even under set +e
	msg    string       // why, not said yet (a subshell's: its parent may say it)
	pos    *command.Pos // where msg's command was
	text   string       // why, as FILE:LINE: msg, not said yet (see sayStop)
	stmt   *syntax.Stmt
}

func (e *stopError) Error() string { return "stopped, exit status " + strconv.Itoa(e.status) }

// control reports whether err ends more than the statement that made it.
func control(err error) bool {
	if err == nil {
		return false // before the targets below, which live on the heap
	}
	var (
		er *command.ExitRequest
		rr *builtins.ReturnRequest
		lc *command.LoopControl
		se *stopError
	)
	return errors.As(err, &er) || errors.As(err, &rr) || errors.As(err, &lc) ||
		errors.As(err, &se) || errors.Is(err, command.Interrupted{})
}

// maxDepth bounds nesting of function calls, sourced files, eval and
// compound commands at run time: past it, a clear error instead of Go's
// stack limit.
const maxDepth = 1000

// stmts runs a list of statements in order.
func (sh *Shell) stmts(ss []*syntax.Stmt) error {
	if sh.onThread {
		return sh.stmtsPlaced(ss)
	}
	for _, s := range ss {
		if err := sh.stmt(s); err != nil {
			return err
		}
	}
	return nil
}

// stmt runs one statement, with its redirections, in the background or
// negated as it says, and decides whether a failure stops the script.
func (sh *Shell) stmt(s *syntax.Stmt) error {
	if err := sh.checkpoint(); err != nil {
		return err
	}
	sh.line = sh.lineBase + int(s.Position.Line())
	if sh.opts.noexec && !sh.interactive {
		return nil
	}
	if s.Background {
		return sh.background(s)
	}
	if s.Negated {
		sh.tested++
		saved := sh.testedStmt
		sh.testedStmt = s
		err := sh.redirected(s)
		sh.tested--
		sh.testedStmt = saved
		if control(err) {
			return err
		}
		if sh.last == 0 {
			sh.last = 1
		} else {
			sh.last = 0
		}
		return nil
	}
	err := sh.redirected(s)
	switch {
	case control(err):
		return err
	case sh.last == 0:
		return nil
	}
	return sh.failure(s, err)
}

// failure decides what a failed command (status in sh.last) does to the
// script: under set -e, unless its status is tested, it stops there,
// saying why if nobody has (a program's status; a builtin said its own
// error). Compound commands are judged by their own commands, as POSIX
// says, except a subshell, whose status is its own.
func (sh *Shell) failure(s *syntax.Stmt, err error) error {
	if sh.tested > 0 {
		return nil
	}
	switch c := s.Cmd.(type) {
	case *syntax.CallExpr, *syntax.Subshell, *syntax.ArithmCmd, *syntax.TestClause, *syntax.DeclClause, *syntax.LetClause, *syntax.TimeClause:
	case *syntax.BinaryCmd:
		if c.Op != syntax.Pipe && c.Op != syntax.PipeAll {
			return nil
		}
	default:
		return nil
	}
	if err := sh.runTrap("ERR"); err != nil {
		return err
	}
	if !sh.opts.errexit {
		return nil
	}
	msg := unsaid(err)
	if sh.sub {
		// A subshell ends; the shell around it says why, if that
		// stops it too.
		pos := sh.posOf(err)
		return &stopError{status: sh.last, msg: msg, pos: &pos}
	}
	stop := &stopError{status: sh.last, stmt: s}
	switch {
	case msg == "":
	case sh.depth == 0 && sh.calls == 0 && sh.sources == 0:
		// A command of the script itself: said by its loop
		// (runPulled), and not at all if it was the last one, whose
		// status says it all.
		stop.text = fmt.Sprintf("%s: %s", sh.posOf(err), clip(msg, msgMax))
	default:
		sh.errorAt(sh.posOf(err), "%s", msg) // where its stderr is now (source f 2>log)
	}
	return stop
}

// sayStop says why a script stopped, if it has not been said: unless what
// stopped it was the last command of all (top, with nothing after it).
func (sh *Shell) sayStop(err error, top *syntax.Stmt, more bool) {
	var se *stopError
	if !errors.As(err, &se) || se.text == "" {
		return
	}
	if se.stmt != top || more {
		fmt.Fprintln(sh.stderr(), se.text)
	}
	se.text = ""
}

// redirected runs s's command with s's redirections made for it.
func (sh *Shell) redirected(s *syntax.Stmt) error {
	if c, ok := s.Cmd.(*syntax.CallExpr); ok {
		// A simple command makes its redirections after its words
		// expand (and exec without a command keeps them).
		return sh.call(s, c)
	}
	if len(s.Redirs) == 0 {
		return sh.command(s.Cmd)
	}
	saved := sh.fds
	t, err := sh.redirect(saved, s.Redirs)
	if err != nil {
		sh.last = 1
		return sh.said(err)
	}
	sh.fds = t
	defer func() {
		sh.fds = saved
		t.close()
	}()
	return sh.command(s.Cmd)
}

// command runs a command other than a simple one.
func (sh *Shell) command(cmd syntax.Command) error {
	switch c := cmd.(type) {
	case nil:
		return nil
	case *syntax.Block:
		return sh.nested(func() error { return sh.stmts(c.Stmts) })
	case *syntax.Subshell:
		return sh.subshellCmd(c)
	case *syntax.BinaryCmd:
		switch c.Op {
		case syntax.AndStmt, syntax.OrStmt:
			return sh.andOr(c)
		default:
			return sh.pipeline(c)
		}
	case *syntax.IfClause:
		return sh.nested(func() error { return sh.ifClause(c) })
	case *syntax.WhileClause:
		return sh.nested(func() error { return sh.whileClause(c) })
	case *syntax.ForClause:
		return sh.nested(func() error { return sh.forClause(c) })
	case *syntax.CaseClause:
		return sh.nested(func() error { return sh.caseClause(c) })
	case *syntax.FuncDecl:
		if c.Name == nil {
			// The parser lets "() cmd" through as a function with no
			// name (a zsh form it refuses only before a brace).
			sh.last = 2
			return sh.stop(errors.New("syntax error: a function definition needs a name"))
		}
		if !syntax.ValidName(c.Name.Value) && !validFuncName(c.Name.Value) {
			sh.last = 2
			return sh.said(fmt.Errorf("%q is not a valid function name", c.Name.Value))
		}
		if b, ok := builtins.Lookup(c.Name.Value); ok && b.Special {
			sh.last = 2
			return sh.said(fmt.Errorf("%s: a special builtin cannot be redefined", c.Name.Value))
		}
		sh.funcs[c.Name.Value] = funcDef{body: c.Body, file: sh.file, base: sh.lineBase}
		sh.last = 0
		return nil
	case *syntax.ArithmCmd:
		n, err := expand.Arithm(sh.expandCfg(), c.X)
		if err != nil {
			return sh.arithCmdError(err)
		}
		sh.last = boolStatus(n != 0)
		return nil
	case *syntax.TestClause:
		ok, err := sh.testClause(c.X)
		if err != nil {
			sh.last = command.Status(err)
			if sh.last == 0 {
				sh.last = 2
			}
			return sh.said(named("[[", err))
		}
		sh.last = boolStatus(ok)
		return nil
	case *syntax.LetClause:
		n := 0
		for _, x := range c.Exprs {
			var err error
			if n, err = expand.Arithm(sh.expandCfg(), x); err != nil {
				return sh.arithCmdError(err)
			}
		}
		sh.last = boolStatus(n != 0)
		return nil
	case *syntax.DeclClause:
		return sh.declClause(c)
	case *syntax.TimeClause:
		return sh.timeClause(c)
	}
	sh.last = 2
	return sh.said(fmt.Errorf("%s is not supported by nsh", nodeName(cmd)))
}

// validFuncName allows the names bash does beyond sh's (a-b, a.b).
func validFuncName(name string) bool {
	for _, r := range name {
		if r <= ' ' || r == '$' || r == '`' || r == '"' || r == '\'' || r == '=' || r == '/' {
			return false
		}
	}
	return name != ""
}

func nodeName(n syntax.Node) string {
	switch n.(type) {
	case *syntax.CoprocClause:
		return "coproc"
	case *syntax.TestDecl:
		return "@test"
	}
	return fmt.Sprintf("%T", n)
}

func boolStatus(ok bool) int {
	if ok {
		return 0
	}
	return 1
}

// nested runs a compound command one level deeper.
func (sh *Shell) nested(fn func() error) error {
	if sh.depth >= maxDepth {
		sh.last = 2
		return sh.stop(fmt.Errorf("commands nested more than %d deep", maxDepth))
	}
	sh.depth++
	defer func() { sh.depth-- }()
	return fn()
}

// cond runs a condition: its failure is a test, not the end of the
// script.
func (sh *Shell) cond(ss []*syntax.Stmt) (bool, error) {
	sh.tested++
	saved := sh.testedStmt
	if len(ss) > 0 {
		sh.testedStmt = ss[len(ss)-1] // the others' statuses are not seen
	}
	err := sh.stmts(ss)
	sh.tested--
	sh.testedStmt = saved
	return sh.last == 0, err
}

func (sh *Shell) andOr(c *syntax.BinaryCmd) error {
	sh.tested++
	saved := sh.testedStmt
	sh.testedStmt = c.X
	err := sh.stmt(c.X)
	sh.tested--
	sh.testedStmt = saved
	if err != nil {
		return err
	}
	if (sh.last == 0) != (c.Op == syntax.AndStmt) {
		return nil
	}
	return sh.stmt(c.Y)
}

func (sh *Shell) ifClause(c *syntax.IfClause) error {
	for ; c != nil; c = c.Else {
		if c.ThenPos.IsValid() || len(c.Cond) > 0 {
			ok, err := sh.cond(c.Cond)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		return sh.stmts(c.Then)
	}
	sh.last = 0
	return nil
}

// loop runs a loop's body once and says whether the loop goes on.
func (sh *Shell) loopBody(ss []*syntax.Stmt) (more bool, err error) {
	sh.loops++
	err = sh.stmts(ss)
	sh.loops--
	var lc *command.LoopControl
	if !errors.As(err, &lc) {
		return err == nil, err
	}
	if lc.N > 1 && sh.loops > 0 {
		return false, &command.LoopControl{Break: lc.Break, N: lc.N - 1}
	}
	return !lc.Break, nil
}

func (sh *Shell) whileClause(c *syntax.WhileClause) error {
	status := 0
	for {
		sh.loops++
		ok, err := sh.cond(c.Cond)
		sh.loops--
		if err != nil {
			var lc *command.LoopControl
			if errors.As(err, &lc) {
				// break in the condition: as in the body.
				if lc.N > 1 && sh.loops > 0 {
					return &command.LoopControl{Break: lc.Break, N: lc.N - 1}
				}
				if lc.Break {
					break
				}
				continue
			}
			return err
		}
		if ok == c.Until {
			break
		}
		more, err := sh.loopBody(c.Do)
		status = sh.last
		if err != nil {
			return err
		}
		if !more {
			break
		}
	}
	sh.last = status
	return nil
}

func (sh *Shell) forClause(c *syntax.ForClause) error {
	if c.Select {
		sh.last = 2
		return sh.said(errors.New("select is not supported by nsh"))
	}
	switch l := c.Loop.(type) {
	case *syntax.WordIter:
		items := sh.params
		if l.InPos.IsValid() || len(l.Items) > 0 {
			var err error
			if items, err = sh.fields(l.Items...); err != nil {
				return sh.expandError(err)
			}
		} else {
			items = cloneParams(items)
		}
		sh.last = 0
		for _, it := range items {
			if err := sh.setString(l.Name.Value, it); err != nil {
				sh.last = 1
				return sh.stop(err)
			}
			more, err := sh.loopBody(c.Do)
			if err != nil || !more {
				return err
			}
		}
		return nil
	case *syntax.CStyleLoop:
		cfg := sh.expandCfg()
		if l.Init != nil {
			if _, err := expand.Arithm(cfg, l.Init); err != nil {
				return sh.arithCmdError(err)
			}
		}
		sh.last = 0
		for {
			if l.Cond != nil {
				n, err := expand.Arithm(sh.expandCfg(), l.Cond)
				if err != nil {
					return sh.arithCmdError(err)
				}
				if n == 0 {
					return nil
				}
			}
			more, err := sh.loopBody(c.Do)
			if err != nil || !more {
				return err
			}
			if l.Post != nil {
				if _, err := expand.Arithm(sh.expandCfg(), l.Post); err != nil {
					return sh.arithCmdError(err)
				}
			}
		}
	}
	return nil
}

func (sh *Shell) caseClause(c *syntax.CaseClause) error {
	word, err := sh.literal(c.Word)
	if err != nil {
		return sh.expandError(err)
	}
	sh.last = 0
	for i := 0; i < len(c.Items); i++ {
		it := c.Items[i]
		matched := false
		for _, p := range it.Patterns {
			pat, err := sh.patternOf(p)
			if err != nil {
				return sh.expandError(err)
			}
			if match(pat, word) {
				matched = true
				break
			}
		}
		if !matched {
			continue
		}
		for {
			if err := sh.stmts(it.Stmts); err != nil {
				return err
			}
			// ;& falls through to the next body, ;;& tests the next
			// patterns (bash).
			if it.Op == syntax.Fallthrough && i+1 < len(c.Items) {
				i++
				it = c.Items[i]
				continue
			}
			break
		}
		if it.Op != syntax.Resume {
			return nil
		}
	}
	return nil
}
