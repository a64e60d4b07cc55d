package builtins

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/jobs"
	"github.com/nsh-dev/nsh/nsfs"
)

// JobShell is a shell with a job table: what the builtins that start or
// follow jobs need (spawn, env, jobs, fg, bg, wait, kill).
type JobShell interface {
	command.Shell
	// Jobs is the job table.
	Jobs() *jobs.Jobs
	// Started records a background job just launched: it becomes $!,
	// and an interactive shell prints its [N] PID line.
	Started(j *jobs.Job)
}

// Lang is what the builtins of the shell language itself need from the
// shell beyond Shell: positional parameters, functions, aliases, traps,
// named options, and running words as commands.
type Lang interface {
	JobShell
	// Plugins is the plugin host, nil in a shell without plugins.
	Plugins() command.PluginHost
	// Params and SetParams are $1..$N.
	Params() []string
	SetParams(args []string)
	// Assign sets a variable, failing for a read-only one; Local makes
	// name local to the function running; ReadOnly marks it read-only;
	// Remove unsets it (failing for a read-only one); Unexport takes the
	// export attribute away.
	Assign(name, value string) error
	Local(name string) error
	ReadOnly(name string) error
	Remove(name string) error
	Unexport(name string)
	// LangVars lists the variables with their attributes, sorted.
	LangVars() []command.Var
	// SetFlag is set -LETTER (on) or +LETTER; Options lists the
	// options as set -o does, or as set +o does (reusable: commands
	// that set them again).
	SetFlag(letter byte, on bool) error
	Options(reusable bool) string
	// IsFunc, FuncText and UnsetFunc are the shell's functions.
	IsFunc(name string) bool
	FuncText(name string) (string, bool)
	UnsetFunc(name string)
	// Alias, SetAlias and Aliases are the shell's aliases.
	Alias(name string) (string, bool)
	SetAlias(name, value string, remove bool)
	Aliases() map[string]string
	// Trap sets what runs on a condition (EXIT, ERR or a signal name
	// without SIG): "" ignores the signal, reset puts the default back.
	// Traps lists the conditions set, as trap -p prints them.
	Trap(cond, action string, reset bool) error
	Traps() []Trap
	// Eval parses and runs text in this shell, as eval does.
	Eval(env *command.Env, text string) error
	// Command runs argv as a builtin or a program, never a function
	// (command NAME).
	Command(env *command.Env, argv []string) error
	// LookupCommand says what a command name is: "alias", "keyword",
	// "function", "special builtin", "builtin", "plugin" or "file" with
	// its path; "" if it is none.
	LookupCommand(name string) (what, path string)
	// Getopts is the state getopts keeps between calls.
	Getopts() *GetoptsState
	// Hashed is the table of hash: command names and the files they
	// were found as (the shell's own, changed in place).
	Hashed() map[string]string
}

// Trap is one condition's action.
type Trap struct {
	Cond   string
	Action string
}

// GetoptsState is where getopts is inside a group of options (-abc).
type GetoptsState struct {
	Next  int // OPTIND as getopts last left it
	Inner int // the character of the argument to read next, 0 at its start
}

// ReturnRequest is return on its way to its function or sourced file.
type ReturnRequest struct{ Code int }

func (r *ReturnRequest) Error() string { return "return: not in a function or a sourced file" }

// ErrNeedsLang is a language builtin run by a shell without the language.
var ErrNeedsLang = errors.New("this shell does not provide the shell language this builtin needs")

// ErrNoJobs is a builtin that needs a job table run by a shell without one.
var ErrNoJobs = errors.New("this shell has no job table, which this builtin needs")

// jobShell is the shell as JobShell.
func jobShell(env *command.Env) (JobShell, error) {
	s, ok := env.Shell.(JobShell)
	if !ok {
		return nil, ErrNoJobs
	}
	return s, nil
}

// langOf is the shell as Lang.
func langOf(env *command.Env) (Lang, error) {
	l, ok := env.Shell.(Lang)
	if !ok {
		return nil, ErrNeedsLang
	}
	return l, nil
}

// Operand tells completion what a builtin's operands are.
type Operand int

const (
	NoOperands Operand = iota
	Kinds              // namespace kinds
	Files              // file names (in the context's mount namespace)
	Pins               // pinned namespaces, then file names
	Commands           // a program, then its arguments
	Names              // builtin names
	Jobspecs           // %N job specs
	Variables          // shell variable names
	PinTargets         // pin's: a kind or a directory, then a path
	PinPaths           // unpin's: pins, ip netns names and file names, each
)

// Builtin is one entry of the table.
type Builtin struct {
	Name    string
	Summary string   // one line for `help`
	Usage   string   // synopsis lines, without "usage: "
	Help    string   // description and examples for `help NAME`
	Options []string // for completion
	// SubOptions are the options of a subcommand (ns graph), offered
	// instead of Options after its word.
	SubOptions map[string][]string
	Operands   Operand
	Quiet      bool // its errors already name what failed (spawn)
	// Special is one of POSIX's special builtins: found before
	// functions, and its NAME=VALUE assignments stay after it.
	Special bool
	// Thread: it runs on the context thread when the shell is there
	// (cheaper: no hand-off), because it waits on nothing that needs the
	// thread and reads no file as nsh's home sees it.
	Thread bool
	// ThreadIf, if set, decides Thread for each call by its args (spawn:
	// yes, but not with -b, whose job needs the thread free).
	ThreadIf func(args []string) bool
	// Pure: it never uses the namespace context (echo, printf, test),
	// so a background job need not copy the context for it.
	Pure bool
	// Moves is a builtin that changes the shell's context (namespaces,
	// working directory, push stack). It is refused in a pipeline or a
	// background job: those run alongside the shell, which has one
	// context, so a hop there would move the shell's next commands (sh
	// runs them in a subshell, where a cd is lost; nsh says so instead).
	Moves bool
	Run   command.Handler
}

var table map[string]*Builtin

// The one table. Each builtin lives in its own file.
func init() {
	table = map[string]*Builtin{}
	for _, b := range []*Builtin{
		nsCmd, unshareCmd, setnsCmd, pinCmd, unpinCmd, pinsCmd, identifyCmd,
		homeCmd, pushCmd, popCmd, spawnCmd, cdCmd, pwdCmd, exitCmd, breakCmd, continueCmd, colonCmd, helpCmd,
		setCmd, exportCmd, unsetCmd, envCmd, sourceCmd,
		dotCmd, readonlyCmd, localCmd, returnCmd, shiftCmd, evalCmd, execCmd, commandCmd, typeCmd, aliasCmd, unaliasCmd, trapCmd, getoptsCmd, timesCmd, hashCmd, ulimitCmd,
		jobsCmd, fgCmd, bgCmd, waitCmd, killCmd, pluginCmd,
		testCmd, bracketCmd, echoCmd, printfCmd, trueCmd, falseCmd, readCmd, umaskCmd,
	} {
		table[b.Name] = b
	}
}

// Lookup finds a builtin by name.
func Lookup(name string) (*Builtin, bool) {
	b, ok := table[name]
	return b, ok
}

// Table returns every builtin, sorted by name.
func Table() []*Builtin {
	bs := make([]*Builtin, 0, len(table))
	for _, b := range table {
		bs = append(bs, b)
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].Name < bs[j].Name })
	return bs
}

// ErrMovesInJob refuses a builtin that changes the context (Moves) in a
// pipeline or a background job.
var ErrMovesInJob = errors.New("it changes the shell's context, so it cannot run in a pipeline or a background job (they run alongside the shell)")

// MoveError is the failure of a builtin that changes the context
// (Moves), refused or not. The shell is then not where the script meant
// it to be, so it stops a script even under set -k, unless its status is
// tested (if, while, &&, ||, !): a script's next command must not run in
// the wrong namespaces. A mere exit status is not one: it is source's
// script's, which judged its own failures (a MoveError in it stopped it
// and comes out as one).
type MoveError struct{ Err error }

func (e *MoveError) Error() string { return e.Err.Error() }
func (e *MoveError) Unwrap() error { return e.Err }

// Moved reports whether err is, or holds, a MoveError.
func Moved(err error) bool {
	var m *MoveError
	return errors.As(err, &m)
}

// moveError marks the failure of a builtin that Moves.
func moveError(err error) error {
	if err == nil {
		return nil
	}
	var ran *RanError
	if _, status := err.(command.ExitStatus); status || Moved(err) || Control(err) || errors.Is(err, command.Interrupted{}) || errors.As(err, &ran) {
		return err
	}
	return &MoveError{err}
}

// HelpText is Help, with what the table says about the builtin besides.
func (b *Builtin) HelpText() string {
	if b.Moves {
		return strings.TrimRight(b.Help, "\n") + "\n\nIt changes the shell's context; in a subshell, a pipeline's stage or a\nbackground job it changes only that one's copy of the context. When it\nfails or is refused, a script stops, even under set +e, unless its own\nstatus is tested (if, while, &&, ||, !)."
	}
	return b.Help
}

// Call runs the builtin; a usage error gets the builtin's usage attached,
// and the failure of one that Moves is a MoveError.
func (b *Builtin) Call(env *command.Env, args []string) error {
	if b.Moves {
		return moveError(b.call(env, args))
	}
	return b.call(env, args)
}

func (b *Builtin) call(env *command.Env, args []string) error {
	if b.Moves && env.Job != nil {
		return ErrMovesInJob
	}
	out := &checkedWriter{w: env.Stdout}
	// A copy: a builtin may keep its env past Run (spawn -b's job).
	e := *env
	e.Stdout = out
	track := b.Moves && env.Shell != nil && env.Ctx != nil
	var gen uint64
	if track {
		gen = wdGen(env.Ctx)
	}
	err := b.Run(&e, args)
	if track && (gen == 0 || wdGen(env.Ctx) != gen) {
		trackPwd(env)
	}
	if err != nil {
		var ue *command.UsageError
		if errors.As(err, &ue) && ue.Usage == "" {
			ue.Usage = b.Usage
		}
	}
	if err == nil && out.err != nil {
		if errors.Is(out.err, unix.EPIPE) {
			// ns -a | head -1: the reader is done; as a program
			// would, the builtin dies of SIGPIPE, quietly.
			return &command.StatusError{Code: 128 + int(unix.SIGPIPE), Err: &command.SignalError{Sig: unix.SIGPIPE}}
		}
		return &command.StatusError{Code: 1, Err: fmt.Errorf("write error: %w", plainErr(out.err))}
	}
	return err
}

// wdGen is the context's WdGen, or 0 (unknown) for a context without one.
// A hop that moves only the network namespace leaves the directory alone,
// and a hop in a loop should not pay a getcwd for it.
func wdGen(c command.Context) uint64 {
	if g, ok := c.(interface{ WdGen() uint64 }); ok {
		return g.WdGen() + 1
	}
	return 0
}

// trackPwd keeps $PWD and $OLDPWD (exported, as in bash) where the
// context's working directory is, after a builtin that may have moved it.
func trackPwd(env *command.Env) {
	wd, err := env.Ctx.Getwd()
	if err != nil {
		return
	}
	old, _ := env.Shell.Var("PWD")
	if wd == old || path.IsAbs(old) && !hasDots(old) && sameDir(env.Ctx, old) {
		return // a logical $PWD (cd -L through a link) that is still right
	}
	if old != "" {
		env.Shell.SetVar("OLDPWD", old, true)
	}
	env.Shell.SetVar("PWD", wd, true)
}

// hasDots: a path with . or .. names, which a $PWD must not have.
func hasDots(p string) bool {
	for _, e := range strings.Split(p, "/") {
		if e == "." || e == ".." {
			return true
		}
	}
	return false
}

// checkedWriter keeps the first error writing a builtin's output, so that
// one whose output is lost (ns -a > /dev/full) fails, as bash's do,
// without every Fprintf being checked.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// Raw is the writer under c, for command.RawWriter.
func (c *checkedWriter) Raw() io.Writer { return c.w }

// plainErr is the errno in an *os.PathError (write /dev/stdout: no space
// left on device reads better as the errno alone).
func plainErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func usageError(format string, a ...any) error {
	return &command.UsageError{Msg: fmt.Sprintf(format, a...)}
}

// newFlags returns a FlagSet whose errors parseFlags makes usage errors.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// longFlags finds the names of long options in package flag's messages,
// which spell them with one dash as Go does; nsh's usage spells them --name.
var longFlags = lazyRegexp(`(: |flag )-([a-z][a-z-]+)`)

// lazyRegexp compiles expr the first time it is needed: package init runs
// on every start of nsh (nsh -c, scripts), and most never print a usage
// error.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// parseFlags parses args[1:] and returns the operands. Options may come
// after operands (ns net --json); "--" ends the options.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var ops []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, usageError("see help %s", fs.Name())
			}
			return nil, usageError("%s", flagMessage(err))
		}
		left := fs.Args()
		if n := len(rest) - len(left); n > 0 && rest[n-1] == "--" {
			return append(ops, left...), nil
		}
		if len(left) == 0 {
			return ops, nil
		}
		ops = append(ops, left[0])
		rest = left[1:]
	}
}

// Package flag's messages, as they read in nsh's words.
var (
	flagUndefined = lazyRegexp(`^flag provided but not defined: -(.+)$`)
	flagBadBool   = lazyRegexp(`^invalid boolean value (".*") for -([^:]+): (.*)$`)
	flagBadValue  = lazyRegexp(`^invalid value (".*") for flag -([^:]+): (.*)$`)
	flagNoValue   = lazyRegexp(`^flag needs an argument: -(.+)$`)
)

// flagMessage says a parse error of package flag as nsh's usage spells
// options: -n, --name, never Go's -name or "invalid boolean value".
func flagMessage(err error) string {
	msg := err.Error()
	if m := flagUndefined().FindStringSubmatch(msg); m != nil {
		return "unknown option " + dashed(m[1])
	}
	if m := flagBadBool().FindStringSubmatch(msg); m != nil {
		if m[3] == "parse error" {
			return dashed(m[2]) + " takes no value, not " + m[1]
		}
		return m[3]
	}
	if m := flagBadValue().FindStringSubmatch(msg); m != nil {
		if m[3] == "parse error" {
			return dashed(m[2]) + ": bad value " + m[1]
		}
		return m[3]
	}
	if m := flagNoValue().FindStringSubmatch(msg); m != nil {
		return dashed(m[1]) + " needs a value"
	}
	return longFlags().ReplaceAllString(msg, "$1--$2")
}

func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// parseKinds parses kind names, an unknown one being a usage error.
func parseKinds(names []string) ([]nsfs.Kind, error) {
	ks, err := nsfs.ParseKinds(names)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return ks, nil
}
