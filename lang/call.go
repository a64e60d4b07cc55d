package lang

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/jobs"
)

// assignment is NAME=VALUE before a command, expanded.
type assignment struct {
	name string
	vr   expand.Variable
}

// call runs a simple command: its words expand, its redirections are made,
// its assignments expand; then it is found (special builtin, function,
// builtin, plugin, program, in that order) and run. Alone, assignments
// set variables and redirections are made and closed; exec alone keeps
// its redirections.
func (sh *Shell) call(s *syntax.Stmt, c *syntax.CallExpr) error {
	sh.substStatus = -1
	saved := sh.callStmt
	sh.callStmt = s
	defer func() { sh.callStmt = saved }()
	args, err := sh.fields(c.Args...)
	if err != nil {
		return sh.expandError(err)
	}
	if len(sh.aliases) > 0 && len(args) > 0 && len(c.Args) > 0 {
		if text, ok := sh.aliasOf(c.Args[0], args[0]); ok {
			return sh.runAlias(s, c, text)
		}
	}
	keep := len(args) == 1 && args[0] == "exec"
	if len(args) == 0 || keep {
		return sh.assignOnly(s, c, keep)
	}
	t := sh.fds
	if len(s.Redirs) > 0 {
		if t, err = sh.redirect(sh.fds, s.Redirs); err != nil {
			sh.last = 1
			return sh.said(err)
		}
		defer t.close()
	}
	assigns, err := sh.assignments(c.Assigns)
	if err != nil {
		return err
	}
	if sh.opts.xtrace {
		sh.trace(assigns, args)
	}
	return sh.dispatch(args, assigns, t, true)
}

// assignOnly: NAME=VALUE alone sets shell variables (an exported one stays
// so); its status is that of its last $(...), as in sh. Its redirections
// are made (a file named by > is created) and closed, or with keep (exec)
// kept for the rest of the shell.
func (sh *Shell) assignOnly(s *syntax.Stmt, c *syntax.CallExpr, keep bool) error {
	t, err := sh.redirect(sh.fds, s.Redirs)
	if err != nil {
		sh.last = 1
		if keep {
			return sh.stop(err)
		}
		return sh.said(err)
	}
	if keep {
		old := sh.fds
		sh.fds = t
		old.close()
	} else if t != sh.fds {
		t.close()
	}
	assigns, err := sh.assignments(c.Assigns)
	if err != nil {
		return err
	}
	if sh.opts.xtrace && (len(assigns) > 0 || keep) {
		var w []string
		if keep {
			w = []string{"exec"}
		}
		sh.trace(assigns, w)
	}
	for _, a := range assigns {
		if err := sh.setVar(a.name, a.vr); err != nil {
			sh.last = 1
			return sh.said(err)
		}
	}
	sh.last = 0
	if sh.substStatus > 0 {
		// X=$(false): the substitution's status, and why.
		sh.last = sh.substStatus
		return sh.substErr
	}
	return nil
}

// assignments expands NAME=VALUE words in order, each seeing those before
// it (A=1 B=$A): they are set in a scope of their own while they expand.
func (sh *Shell) assignments(as []*syntax.Assign) ([]assignment, error) {
	if len(as) == 0 {
		return nil, nil
	}
	out := make([]assignment, 0, len(as))
	pushed := len(as) > 1
	if pushed {
		sh.vars.push()
		defer sh.vars.pop()
	}
	for _, a := range as {
		vr, err := sh.assignValue(a)
		if err != nil {
			return nil, sh.expandError(err)
		}
		out = append(out, assignment{a.Name.Value, vr})
		if pushed {
			v := vr
			v.Local = true
			sh.vars.scopes[len(sh.vars.scopes)-1][a.Name.Value] = &v
		}
	}
	return out, nil
}

// assignValue is the value an assignment gives its name: a string (~
// expanded after = and each :), an array, one element of an array, or
// what += adds.
func (sh *Shell) assignValue(a *syntax.Assign) (expand.Variable, error) {
	prev := sh.vars.get(a.Name.Value)
	if a.Array != nil {
		var list []string
		if a.Append && prev.Kind == expand.Indexed {
			list = append(list, prev.List...)
		} else if a.Append && prev.IsSet() {
			list = append(list, prev.String())
		}
		for _, el := range a.Array.Elems {
			if el.Index != nil {
				return expand.Variable{}, errors.New("arrays with [index]=value are not supported by nsh")
			}
			fs, err := sh.fields(el.Value)
			if err != nil {
				return expand.Variable{}, err
			}
			list = append(list, fs...)
		}
		return expand.Variable{Set: true, Kind: expand.Indexed, List: list}, nil
	}
	val, err := sh.literal(sh.tildeAssign(a.Value))
	if err != nil {
		return expand.Variable{}, err
	}
	if a.Index != nil {
		i, err := expand.Arithm(sh.expandCfg(), a.Index)
		if err != nil {
			return expand.Variable{}, err
		}
		var list []string
		switch prev.Kind {
		case expand.Indexed:
			list = append(list, prev.List...)
		case expand.String:
			list = []string{prev.Str}
		}
		if i < 0 {
			i += len(list)
		}
		if i < 0 || i > 1<<20 {
			return expand.Variable{}, fmt.Errorf("%s[%d]: bad array subscript", a.Name.Value, i)
		}
		for len(list) <= i {
			list = append(list, "")
		}
		if a.Append {
			val = list[i] + val
		}
		list[i] = val
		return expand.Variable{Set: true, Kind: expand.Indexed, List: list}, nil
	}
	if a.Append {
		if prev.Kind == expand.Indexed {
			return expand.Variable{Set: true, Kind: expand.Indexed, List: append(append([]string(nil), prev.List...), val)}, nil
		}
		val = prev.String() + val
	}
	return expand.Variable{Set: true, Kind: expand.String, Str: val}, nil
}

// dispatch finds argv[0] and runs it with the descriptors t. Assignments
// before a special builtin stay; before anything else they last for the
// command (exported to a program).
func (sh *Shell) dispatch(args []string, assigns []assignment, t *fdTable, funcs bool) error {
	name := args[0]
	if sh.allow != nil && !sh.allow(name) { // the fuzz test's sandbox
		if _, isFunc := sh.funcs[name]; !(isFunc && funcs) {
			sh.last = 127
			return sh.said(fmt.Errorf("%s: not run in this sandbox", name))
		}
	}
	b, isBuiltin := builtins.Lookup(name)
	if isBuiltin && b.Special {
		for _, a := range assigns {
			if err := sh.setVar(a.name, a.vr); err != nil {
				sh.last = 2
				return sh.specialFailed(sh.said(err), funcs)
			}
		}
		return sh.specialFailed(sh.builtin(b, args, t), funcs)
	}
	if len(assigns) > 0 {
		sh.vars.push()
		for _, a := range assigns {
			v := a.vr
			v.Local, v.Exported = true, true
			sh.vars.scopes[len(sh.vars.scopes)-1][a.name] = &v
		}
		sh.vars.env = nil
		defer func() {
			sh.vars.pop()
			sh.vars.env = nil
		}()
	}
	if f, ok := sh.funcs[name]; ok && funcs {
		return sh.callFunc(f, args, t)
	}
	if isBuiltin {
		return sh.builtin(b, args, t)
	}
	return sh.external(args, t)
}

// specialFailed ends a script whose special builtin was used wrongly or
// assigned to a read-only variable, as POSIX says (break abc, export of a
// read-only name), even where its status is tested; run through command
// (direct false) it is an ordinary failure.
func (sh *Shell) specialFailed(err error, direct bool) error {
	var ue *command.UsageError
	if err == nil || !direct || sh.interactive || !errors.As(err, &ue) && !errors.Is(err, errReadOnly) {
		return err
	}
	return &stopError{status: sh.last}
}

// envFor is what a command gets: its descriptors, the context, the shell.
func (sh *Shell) envFor(t *fdTable) *command.Env {
	return &command.Env{
		Stdin: reader(t.get(0)), Stdout: writer(t.get(1)), Stderr: writer(t.get(2)),
		Files: t.extra(), Shell: sh, Job: sh.job(), Pos: sh.pos(),
	}
}

// job is the job the shell runs as a stage of, nil (not a nil *jobs.Job)
// for none.
func (sh *Shell) job() command.Job {
	if sh.stage == nil {
		return nil
	}
	return sh.stage
}

// builtin runs a builtin: on the context thread when the shell is there
// and the builtin may (Thread, ThreadIf for these args, or a hop that
// reads no file as home sees it), else off it.
func (sh *Shell) builtin(b *builtins.Builtin, args []string, t *fdTable) error {
	if sh.onThread && (!(b.Thread || b.ThreadIf != nil && b.ThreadIf(args) || hops[b.Name] && sh.hopInline(b, args)) || sh.jobsRunning()) {
		var err error
		sh.off(func() { err = sh.builtin(b, args, t) })
		return err
	}
	if sh.stage != nil {
		sh.stage.Launch() // a job's builtin: the job is under way
	}
	env := sh.envFor(t)
	if !b.Pure {
		ctx, err := sh.cx.get(b.Moves)
		if err != nil {
			sh.last = 1
			return sh.said(named(b.Name, err))
		}
		env.Ctx = ctx
		if b.Moves {
			// A hop is the shell's own: no job's snapshot.
			env.Job = nil
		}
	}
	saved := sh.fds
	sh.fds = t // eval, source, . and command run with the builtin's descriptors
	err := b.Call(env, args)
	if !control(err) {
		err = command.At(env.Pos, err) // said where the builtin was
	}
	sh.last = command.Status(err)
	if errors.Is(err, errReadOnly) {
		sh.last = 2 // as dash and mksh: a misuse, not a failure
	}
	if b.Name == "kill" && err == nil {
		sh.awaitOwnSignal(args)
	}
	var lc *command.LoopControl
	if errors.As(err, &lc) && sh.loops == 0 {
		// break or continue with no loop around: said, and nothing
		// more, as in bash.
		sh.last = 0
		err = sh.said(errors.New(lc.Error()))
		sh.fds = saved
		return err
	}
	var rr *builtins.ReturnRequest
	if errors.As(err, &rr) && sh.calls == 0 && sh.sources == 0 {
		sh.last = 1
		err = errors.New("can only return from a function or a sourced file")
	}
	if err == nil || control(err) {
		sh.fds = saved
		return err
	}
	var ran *builtins.RanError
	if errors.As(err, &ran) {
		// setns TARGET CMD: CMD's failure, said as CMD's own would be.
		sh.fds = saved
		return command.At(env.Pos, ran.Err)
	}
	switch {
	case bareStatus(err):
		// Said only if it stops the script: "false: exit status 1".
		err = named(b.Name, err)
	case b.Quiet:
		err = sh.said(err) // on the builtin's own stderr (2>file)
	default:
		err = sh.said(named(b.Name, err))
	}
	sh.fds = saved
	if b.Moves && !sh.nsTested() {
		// The next command would run where this failure left the
		// context: whatever set -e says, the script stops (at the
		// prompt, the rest of the line is abandoned).
		return &stopError{status: sh.last, ns: true}
	}
	return err
}

// nsTested tells whether the status of the command running is itself
// tested (setns x || ..., if ! push x): inside a function, a group or a
// subshell whose status is tested, a failed setns is not, since the next
// command inside would run where it left the context.
func (sh *Shell) nsTested() bool {
	return sh.tested > 0 && sh.callStmt != nil && sh.callStmt == sh.testedStmt
}

// callFunc runs a function: its body with $1..$N the call's arguments and
// a scope for its local variables; return ends it.
func (sh *Shell) callFunc(f funcDef, args []string, t *fdTable) error {
	if sh.depth >= maxDepth {
		sh.last = 2
		return sh.stop(fmt.Errorf("%s: functions nested more than %d deep", args[0], maxDepth))
	}
	sh.depth++
	if sh.stage != nil {
		sh.stage.Launch()
	}
	savedParams, savedFds, savedFile, savedBase := sh.params, sh.fds, sh.file, sh.lineBase
	sh.params, sh.fds, sh.file, sh.lineBase = args[1:], t, f.file, f.base
	sh.vars.push()
	sh.calls++
	err := sh.stmt(f.body)
	sh.calls--
	sh.vars.pop()
	sh.params, sh.fds, sh.file, sh.lineBase = savedParams, savedFds, savedFile, savedBase
	sh.depth--
	var rr *builtins.ReturnRequest
	if errors.As(err, &rr) {
		sh.last = rr.Code
		err = nil
	}
	if err == nil && sh.last != 0 {
		return saidError{command.ExitStatus(sh.last)}
	}
	return err
}

// external runs a plugin's command or a program, through the handler
// chain. A program starts in the context; on the context thread it is
// forked and waited for there (no hand-off), unless jobs run, which need
// the thread free.
func (sh *Shell) external(args []string, t *fdTable) error {
	if sh.allow != nil {
		sh.last = 127
		return sh.said(fmt.Errorf("%s: no programs in this sandbox", args[0]))
	}
	plugin := sh.isPlugin(args[0])
	if sh.onThread && (plugin || sh.jobsRunning()) {
		var err error
		sh.off(func() { err = sh.external(args, t) })
		return err
	}
	if sh.interactive && sh.stage == nil {
		// A program in the foreground may leave the terminal in any
		// mode: the shell's are put back after it (Jobs.Foreground).
		sh.jobs.SaveModes()
	}
	env := sh.envFor(t)
	ctx, err := sh.cx.get(plugin)
	if err != nil {
		sh.last = 1
		return sh.said(named(args[0], err))
	}
	env.Ctx = ctx
	if !plugin {
		env.Snap = sh.cx.snapshot()
	}
	err = sh.handler(env, args)
	sh.last = command.Status(err)
	if err == nil {
		return nil
	}
	if !control(err) {
		err = command.At(env.Pos, err) // said where the program was
	}
	if errors.Is(err, command.Interrupted{}) || programStatus(err) {
		// A program's own status: said only if it stops the script.
		return err
	}
	var sig *command.SignalError
	if errors.As(err, &sig) {
		return err
	}
	saved := sh.fds
	sh.fds = t // command not found: on its own stderr (2>/dev/null)
	err = sh.said(err)
	sh.fds = saved
	return err
}

// isPlugin reports whether name may be a plugin's command. A name with
// a slash is a path, never one (plugins' command names are plain words),
// even before the plugins are known: a loop of /bin/true stays on the
// context thread instead of going off it whole.
func (sh *Shell) isPlugin(name string) bool {
	return sh.plugins != nil && !strings.Contains(name, "/") && sh.plugins(name)
}

func (sh *Shell) jobsRunning() bool {
	running, stopped := sh.jobs.Active()
	return running+stopped > 0
}

// off runs fn off the context thread, which meanwhile serves requests.
func (sh *Shell) off(fn func()) {
	sh.offs++
	sh.onThread = false
	sh.cx.base.Off(fn)
	sh.onThread = true
}

// trace prints a command as set -x does: PS4, where it runs, its words.
func (sh *Shell) trace(assigns []assignment, args []string) {
	var ws []string
	for _, a := range assigns {
		ws = append(ws, a.name+"="+quoteValue(a.vr.String()))
	}
	for _, a := range args {
		ws = append(ws, quoteValue(a))
	}
	ps4, _ := sh.varString("PS4")
	// Where the command runs, when it is not home: + [net:4026532] ip link
	if where := jobs.Where(sh.cx.current()); where != "home" {
		ps4 += "[" + where + "] "
	}
	fmt.Fprintf(sh.stderr(), "%s%s\n", ps4, clip(strings.Join(ws, " "), 4*msgMax))
}

// aliasOf is the text an alias gives a command word typed plainly.
func (sh *Shell) aliasOf(w *syntax.Word, name string) (string, bool) {
	if sh.expanding[name] || len(w.Parts) != 1 {
		return "", false
	}
	if _, ok := w.Parts[0].(*syntax.Lit); !ok {
		return "", false
	}
	text, ok := sh.aliases[name]
	return text, ok
}

// runAlias runs a command whose first word is an alias: the alias's text
// and the command's other words, parsed again.
func (sh *Shell) runAlias(s *syntax.Stmt, c *syntax.CallExpr, text string) error {
	var b strings.Builder
	b.WriteString(text)
	rest := c.Args[1:]
	// An alias whose text ends in a blank has the next word looked up as
	// an alias too (POSIX: alias run='sudo ' and so on).
	for strings.HasSuffix(text, " ") || strings.HasSuffix(text, "\t") {
		if len(rest) == 0 {
			break
		}
		next, ok := sh.aliasOf(rest[0], rest[0].Lit())
		if !ok || rest[0].Lit() == c.Args[0].Lit() {
			break
		}
		b.WriteString(next)
		text, rest = next, rest[1:]
	}
	p := syntax.NewPrinter()
	for _, w := range rest {
		b.WriteByte(' ')
		p.Print(&b, w)
	}
	for _, r := range s.Redirs {
		b.WriteByte(' ')
		p.Print(&b, &syntax.Stmt{Cmd: &syntax.CallExpr{}, Redirs: []*syntax.Redirect{r}})
	}
	if sh.expanding == nil {
		sh.expanding = map[string]bool{}
	}
	name := c.Args[0].Lit()
	sh.expanding[name] = true
	defer delete(sh.expanding, name)
	f, err := sh.parse(strings.NewReader(b.String()), "alias")
	if err != nil {
		sh.last = 2
		return sh.said(err)
	}
	return sh.stmts(f.Stmts)
}

// reader and writer give a builtin a closed descriptor as one that fails.
func reader(f *os.File) io.Reader {
	if f == nil {
		return closedFile{}
	}
	return f
}

func writer(f *os.File) io.Writer {
	if f == nil {
		return closedFile{}
	}
	return f
}

type closedFile struct{}

var errClosed = errors.New("bad file descriptor")

func (closedFile) Read([]byte) (int, error)  { return 0, errClosed }
func (closedFile) Write([]byte) (int, error) { return 0, errClosed }

// Eval implements builtins.Lang: text runs in this shell, its messages
// naming the eval's line.
func (sh *Shell) Eval(env *command.Env, text string) error {
	f, err := sh.parse(strings.NewReader(text), "eval")
	if err != nil {
		return &command.StatusError{Code: 2, Err: err}
	}
	if sh.depth >= maxDepth {
		return &command.StatusError{Code: 2, Err: fmt.Errorf("eval nested more than %d deep", maxDepth)}
	}
	sh.depth++
	savedBase := sh.lineBase
	sh.lineBase = env.Pos.Line - 1
	err = sh.stmts(f.Stmts)
	sh.lineBase = savedBase
	sh.depth--
	return sh.statusOf(err)
}

// statusOf turns what a list ended with into what a builtin running it
// returns: control as it is, a status as a said status.
func (sh *Shell) statusOf(err error) error {
	if err != nil {
		return err
	}
	if sh.last != 0 {
		return saidError{command.ExitStatus(sh.last)}
	}
	return nil
}

// Command implements builtins.Lang: argv as a builtin or a program, never
// a function.
func (sh *Shell) Command(env *command.Env, argv []string) error {
	if len(argv) == 0 {
		return nil
	}
	return sh.statusOf(sh.dispatch(argv, nil, sh.fds, false))
}

var keywords = map[string]bool{
	"!": true, "{": true, "}": true, "case": true, "do": true, "done": true, "elif": true, "else": true,
	"esac": true, "fi": true, "for": true, "if": true, "in": true, "then": true, "until": true,
	"while": true, "[[": true, "]]": true, "function": true, "select": true, "time": true,
}

// LookupCommand implements builtins.Lang.
func (sh *Shell) LookupCommand(name string) (what, path string) {
	if _, ok := sh.aliases[name]; ok {
		return "alias", ""
	}
	if keywords[name] {
		return "keyword", ""
	}
	if b, ok := builtins.Lookup(name); ok && b.Special {
		return "special builtin", ""
	}
	if _, ok := sh.funcs[name]; ok {
		return "function", ""
	}
	if _, ok := builtins.Lookup(name); ok {
		return "builtin", ""
	}
	if sh.hasPlugin != nil && sh.hasPlugin(name) {
		return "plugin", ""
	}
	pathVar, _ := sh.varString("PATH")
	if p, err := sh.cx.current().LookPath(name, pathVar); err == nil {
		return "file", p
	}
	return "", ""
}

var _ = strconv.Itoa
