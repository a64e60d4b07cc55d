package lang

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/jobs"
	"github.com/nsh-dev/nsh/nsctx"
)

// Config is what a new Shell is made from.
type Config struct {
	Ctx *nsctx.Context
	// The shell's descriptors 0, 1 and 2.
	Stdin, Stdout, Stderr *os.File
	Environ               []string // the exported variables at start
	// Middleware comes between the builtins and programs.
	Middleware []command.Middleware
	// Plugins is the plugin host, nil for none: its commands come after
	// the Middleware's, before programs, and the plugin builtins reach
	// it (builtins.Lang.Plugins).
	Plugins command.PluginHost
	// Name is $0; Args are $1..$N.
	Name string
	Args []string
	// Interactive: the shell reads a terminal (no errexit, prompts, job
	// control).
	Interactive bool
	// FromStdin: the commands are read from standard input (a script
	// piped in, or the terminal): $- has s, as in sh.
	FromStdin bool
	// Jobs is the job table (one with the terminal, interactively).
	Jobs *jobs.Jobs
	// Interrupted reports and clears a Ctrl-C that reached nsh.
	Interrupted func() bool
	// IsPlugin tells a plugin's command from a program for placement: a
	// guess that may say yes while plugins are not described yet.
	IsPlugin func(name string) bool
	// HasPlugin is the sure answer, describing plugins if it must (type,
	// command -v). Both are asked of Plugins when not given.
	HasPlugin func(name string) bool
}

// funcDef is a function: its body and the file it was defined in, for
// FILE:LINE in its messages.
type funcDef struct {
	body *syntax.Stmt
	file string
	base int // lineBase where it was defined (in eval)
}

// Shell is nsh's shell language interpreter: one shell (or one subshell)
// with its variables, functions, options, descriptors and namespace
// context.
type Shell struct {
	cx      *ctxRef
	fds     *fdTable
	vars    *vars
	funcs   map[string]funcDef
	aliases map[string]string
	traps   *traps
	opts    options
	params  []string
	name    string // $0
	jobs    *jobs.Jobs
	handler command.Handler // chain: the middleware, then spawn
	// middleware wraps spawn in handler; pluginHost is Config.Plugins.
	middleware []command.Middleware
	pluginHost command.PluginHost

	last   int // $?
	lastBg int // $!

	// Where the command running is: FILE (a script's name, "" at the
	// prompt) and its line.
	file string
	line int

	// What is running.
	loops   int // loops around the command (break N)
	calls   int // function calls deep
	sources int // source files deep
	substs  int // $(...) deep
	tested  int // conditions around: if, while, until, && ||, !: no errexit
	// The statement whose status the innermost condition tests, and the
	// simple command running: a namespace builtin's failure is tested
	// only when they are one (see builtin).
	testedStmt, callStmt *syntax.Stmt
	onThread             bool // running on the context thread (see place.go)
	offs                 int  // hand-offs made by off, which tests of placement count
	sub                  bool // a subshell: exit ends it, not nsh
	stage                *jobs.Job

	interactive bool
	interrupted func() bool
	pending     *atomic.Bool // nsh's own Ctrl-C, shared by subshells
	exitWarned  bool
	getopts     builtins.GetoptsState
	hashed      map[string]string // hash's table, for show: nsh looks PATH up at each command
	lineBase    int               // added to the parser's lines: eval's text starts at its line
	inTrap      bool
	intr        bool            // it ended because a program died of Ctrl-C
	expanding   map[string]bool // aliases being expanded
	placed      map[*syntax.Stmt]bool
	linenoPlain bool // LINENO was unset: an ordinary variable from then on
	plugins     func(name string) bool
	hasPlugin   func(name string) bool
	depth       int   // compound commands, calls and sources deep
	substStatus int   // the status of the last $(...) of a command, -1: none
	substErr    error // and why it failed
	// abort, when it gives a status, ends the subshell at its next
	// command: its $(...) is over its limit, its job was killed.
	abort func() int

	cfg    *expand.Config
	parser *syntax.Parser

	// allow, when set, is a test's sandbox (fuzz_test.go): only the
	// commands it allows run (functions too), no program, and every
	// redirection opens /dev/null, so that random scripts cannot touch
	// the machine.
	allow func(name string) bool

	// CommandNames adds command names to completion (plugins').
	CommandNames func() []string
	// Prompt and ContPrompt make PS1 and PS2 at the terminal.
	Prompt, ContPrompt func() string
}

// New makes a shell.
func New(c Config) *Shell {
	sh := &Shell{
		cx:          &ctxRef{base: c.Ctx},
		fds:         newFdTable(c.Stdin, c.Stdout, c.Stderr),
		vars:        newVars(c.Environ),
		funcs:       map[string]funcDef{},
		aliases:     map[string]string{},
		traps:       newTraps(),
		params:      c.Args,
		name:        c.Name,
		jobs:        c.Jobs,
		interactive: c.Interactive,
		interrupted: c.Interrupted,
		pending:     new(atomic.Bool),
		placed:      map[*syntax.Stmt]bool{},
		plugins:     c.IsPlugin,
		hasPlugin:   c.HasPlugin,
		pluginHost:  c.Plugins,
	}
	if sh.name == "" {
		sh.name = "nsh"
	}
	if host := c.Plugins; host != nil {
		if sh.plugins == nil {
			sh.plugins = func(name string) bool {
				plugin, settled := host.Settled(name)
				return plugin || !settled
			}
		}
		if sh.hasPlugin == nil {
			sh.hasPlugin = host.Has
		}
	}
	if sh.jobs == nil {
		sh.jobs = jobs.NewJobs(-1)
	}
	if sh.jobs.Describe == nil && c.Ctx != nil {
		sh.jobs.Describe = func() string { return jobs.Where(c.Ctx) }
	}
	if sh.interrupted == nil {
		sh.interrupted = func() bool { return false }
	}
	sh.opts.interactive = c.Interactive
	sh.opts.stdin = c.FromStdin
	sh.opts.monitor = c.Interactive
	// A script stops at its first failing command unless told otherwise
	// (set +e): the next command would run where the failure left it.
	sh.opts.errexit = !c.Interactive
	sh.middleware = c.Middleware
	if c.Plugins != nil {
		sh.middleware = append(sh.middleware[:len(sh.middleware):len(sh.middleware)], c.Plugins.Handler)
	}
	sh.handler = sh.chain()
	for _, kv := range []string{"PS1=", "PS2=> ", "PS4=+ ", "OPTIND=1", "IFS= \t\n"} {
		name, value, _ := strings.Cut(kv, "=")
		if _, ok := sh.varString(name); !ok && name != "PS1" {
			sh.setString(name, value)
		}
	}
	return sh
}

// Ctx is the context the shell's commands run in.
func (sh *Shell) Ctx() *nsctx.Context { return sh.cx.current() }

// Stdin, Stdout and Stderr are the shell's descriptors 0, 1 and 2.
func (sh *Shell) Stdin() *os.File  { return sh.fds.get(0) }
func (sh *Shell) Stdout() *os.File { return sh.fds.get(1) }
func (sh *Shell) Stderr() *os.File { return sh.fds.get(2) }

func (sh *Shell) stderr() io.Writer {
	if f := sh.fds.get(2); f != nil {
		return f
	}
	return io.Discard
}

// subshell is a copy of the shell for ( ), $( ), a pipeline's stage or a
// background job: nothing it changes reaches sh. Its descriptors are the
// same files (the copy's table is its own); traps other than ignored
// signals are reset, as POSIX says.
func (sh *Shell) subshell(cx *ctxRef) *Shell {
	c := *sh
	c.cx = cx
	c.fds = sh.fds.copy()
	c.vars = sh.vars.copy()
	c.funcs = make(map[string]funcDef, len(sh.funcs))
	for k, v := range sh.funcs {
		c.funcs[k] = v
	}
	c.aliases = make(map[string]string, len(sh.aliases))
	for k, v := range sh.aliases {
		c.aliases[k] = v
	}
	c.traps = sh.traps.forSubshell()
	c.jobs = sh.jobs.Sub()
	c.params = cloneParams(sh.params)
	c.handler = c.chain() // its programs join its own job table
	c.sub = true
	c.cfg, c.parser = nil, nil
	c.interactive = false
	c.opts.interactive = false
	c.opts.monitor = false
	return &c
}

// chain is the handler of the commands that are no builtin or function:
// the middleware's, then a program (spawn).
func (sh *Shell) chain() command.Handler {
	h := command.Handler(sh.spawn)
	for i := len(sh.middleware) - 1; i >= 0; i-- {
		h = sh.middleware[i](h)
	}
	return h
}

// spawn runs a program, in the job the command is a stage of or in a
// foreground job of its own in the shell's table.
func (sh *Shell) spawn(env *command.Env, argv []string) error {
	return builtins.Suggest(env, argv[0], jobs.Spawn(sh.jobs, env, argv))
}

// Plugins implements builtins.Lang.
func (sh *Shell) Plugins() command.PluginHost { return sh.pluginHost }

// Environ implements command.Shell: the exported variables.
func (sh *Shell) Environ() []string { return sh.vars.environ() }

// LastStatus implements command.Shell.
func (sh *Shell) LastStatus() int { return sh.last }

// Var implements command.Shell.
func (sh *Shell) Var(name string) (string, bool) { return sh.varString(name) }

// SetVar implements command.Shell. A read-only variable keeps its value
// (Assign says so).
func (sh *Shell) SetVar(name, value string, export bool) {
	sh.setVar(name, expand.Variable{Set: true, Kind: expand.String, Str: value, Exported: export})
}

// Assign implements builtins.Lang.
func (sh *Shell) Assign(name, value string) error { return sh.setString(name, value) }

// Export implements command.Shell.
func (sh *Shell) Export(name string) {
	sh.vars.set(name, expand.Variable{Kind: expand.KeepValue, Exported: true})
}

// Unexport implements builtins.Lang.
func (sh *Shell) Unexport(name string) {
	if vr := sh.vars.lookup(name); vr != nil && vr.Exported {
		vr.Exported = false
		sh.vars.env = nil
	}
}

// ReadOnly implements builtins.Lang.
func (sh *Shell) ReadOnly(name string) error {
	return sh.vars.set(name, expand.Variable{Kind: expand.KeepValue, ReadOnly: true})
}

// Unset implements command.Shell.
func (sh *Shell) Unset(name string) { _ = sh.Remove(name) }

// Remove implements builtins.Lang.
func (sh *Shell) Remove(name string) error {
	if err := sh.vars.unset(name); err != nil {
		return err
	}
	if name == "LINENO" {
		// As in dash and ksh, an unset LINENO is an ordinary variable from then on.
		sh.linenoPlain = true
	}
	return nil
}

// Local implements builtins.Lang.
func (sh *Shell) Local(name string) error { return sh.vars.local(name) }

// Vars implements command.Shell: the variables that have values.
func (sh *Shell) Vars() []command.Var {
	var vs []command.Var
	for _, v := range sh.LangVars() {
		if v.Set {
			vs = append(vs, v)
		}
	}
	return vs
}

// LangVars implements builtins.Lang.
func (sh *Shell) LangVars() []command.Var {
	var vs []command.Var
	for _, name := range sh.vars.names() {
		vr := sh.vars.get(name)
		vs = append(vs, command.Var{Name: name, Value: vr.String(), Set: vr.Set, Exported: vr.Exported, ReadOnly: vr.ReadOnly})
	}
	return vs
}

// Option implements command.Shell: an option by its -o name.
func (sh *Shell) Option(name string) bool {
	on, _ := sh.opts.name(name)
	return on
}

// SetOption implements command.Shell.
func (sh *Shell) SetOption(name string, on bool) error {
	if name == "interactive" || name == "monitor" && on && !sh.interactive {
		return fmt.Errorf("%s cannot be changed", name)
	}
	return sh.opts.setName(name, on)
}

// SetFlag is set -LETTER (on) or +LETTER.
func (sh *Shell) SetFlag(letter byte, on bool) error {
	if letter == 'i' {
		return fmt.Errorf("-i cannot be changed")
	}
	if letter == 'm' && on && !sh.interactive {
		return fmt.Errorf("-m: job control needs a terminal")
	}
	return sh.opts.setLetter(letter, on)
}

// Options implements builtins.Lang: set -o's listing, or set +o's.
func (sh *Shell) Options(reusable bool) string { return sh.opts.list(reusable) }

// Params implements builtins.Lang.
func (sh *Shell) Params() []string { return sh.params }

// SetParams implements builtins.Lang.
func (sh *Shell) SetParams(args []string) { sh.params = cloneParams(args) }

// Jobs implements builtins.JobShell.
func (sh *Shell) Jobs() *jobs.Jobs { return sh.jobs }

// Started implements builtins.JobShell.
func (sh *Shell) Started(j *jobs.Job) {
	sh.lastBg = j.Pid()
	if sh.interactive {
		fmt.Fprintf(sh.stderr(), "[%d] %d\n", j.ID, j.Pid())
	}
}

// IsFunc implements builtins.Lang.
func (sh *Shell) IsFunc(name string) bool { _, ok := sh.funcs[name]; return ok }

// FuncText implements builtins.Lang: a function's definition, printed.
func (sh *Shell) FuncText(name string) (string, bool) {
	f, ok := sh.funcs[name]
	if !ok {
		return "", false
	}
	var b strings.Builder
	syntax.NewPrinter(syntax.Indent(4)).Print(&b, &syntax.FuncDecl{Name: &syntax.Lit{Value: name}, Body: f.body})
	return b.String(), true
}

// UnsetFunc implements builtins.Lang.
func (sh *Shell) UnsetFunc(name string) { delete(sh.funcs, name) }

// Alias implements builtins.Lang.
func (sh *Shell) Alias(name string) (string, bool) { v, ok := sh.aliases[name]; return v, ok }

// SetAlias implements builtins.Lang; an empty value with remove unsets.
func (sh *Shell) SetAlias(name, value string, remove bool) {
	if remove {
		delete(sh.aliases, name)
		return
	}
	sh.aliases[name] = value
}

// Aliases implements builtins.Lang.
func (sh *Shell) Aliases() map[string]string { return sh.aliases }

// Getopts implements builtins.Lang.
func (sh *Shell) Getopts() *builtins.GetoptsState { return &sh.getopts }

// Hashed implements builtins.Lang.
func (sh *Shell) Hashed() map[string]string {
	if sh.hashed == nil {
		sh.hashed = map[string]string{}
	}
	return sh.hashed
}

// pos is where the command running is, which its Env carries.
func (sh *Shell) pos() command.Pos { return command.Pos{File: sh.file, Line: sh.line} }

// where is FILE:LINE of the command running, or "nsh" at the prompt.
func (sh *Shell) where() string { return sh.pos().String() }

// errorf says a message as the shell does: FILE:LINE: or nsh: first.
func (sh *Shell) errorf(format string, a ...any) { sh.errorAt(sh.pos(), format, a...) }

// errorAt is errorf at pos: where the command that failed was.
func (sh *Shell) errorAt(pos command.Pos, format string, a ...any) {
	fmt.Fprintf(sh.stderr(), "%s: %s\n", pos, clip(fmt.Sprintf(format, a...), msgMax))
}

// posOf is where err happened: the position its command carried
// (command.PosError), else where the shell is now.
func (sh *Shell) posOf(err error) command.Pos {
	if p, ok := command.PosOf(err); ok {
		return p
	}
	return sh.pos()
}

// stopped reports a Ctrl-C: one that reached nsh, or a program that died
// of it.
func (sh *Shell) stopped(err error) bool {
	if sh.pending.Load() {
		return true
	}
	if sh.interrupted() {
		sh.pending.Store(true)
		return true
	}
	return errors.Is(err, command.Interrupted{})
}
