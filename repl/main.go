package repl

import (
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/jobs"
	"github.com/nsh-dev/nsh/lang"
	"github.com/nsh-dev/nsh/nsctx"
)

const usageText = `usage: nsh [-aCefinuvx] [-o OPTION] [--norc] [--keep-going] [-V|--version]
           [-c COMMANDS [NAME [ARG...]] | -s [ARG...] | FILE [ARG...]]

nsh is a shell for Linux namespaces. Without arguments it reads commands
from the terminal (or from standard input when that is not a terminal).
  -c COMMANDS     run COMMANDS and exit; NAME and ARGs become $0 and $1..$N
  -s [ARG...]     read the script from standard input, ARGs as $1..$N
  FILE [ARG...]   run the script FILE with $1..$N set, and exit
  -e / +e         a script stops at its first failing command (the default
                  for scripts) / carries on; --keep-going is +e
  -i              interactive, even when standard input is not a terminal:
                  prompts on stderr, no stop at a failing command
  -x              trace: print each command and its context before it runs
  -aCfnuv, -o OPTION, +o OPTION   set's options (set -o lists them)
  --norc          do not read ~/.nshrc (read only on a terminal)
  -V, --version   print the version, revision, Go version and plugin protocol
Type 'help' inside nsh.`

// invocation is what nsh's command line asks for.
type invocation struct {
	command   string // -c's text
	hasCmd    bool
	stdin     bool // -s
	forceTTY  bool // -i
	norc      bool
	operands  []string
	set       []func(sh *lang.Shell) error // options, in order
	help      bool
	version   bool
	keepGoing bool
}

func parseArgs(args []string) (*invocation, error) {
	inv := &invocation{}
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			args = args[1:]
			break
		}
		if len(a) < 2 || a[0] != '-' && a[0] != '+' {
			break
		}
		args = args[1:]
		switch a {
		case "--norc":
			inv.norc = true
			continue
		case "-k", "--keep-going":
			inv.keepGoing = true
			continue
		case "-h", "--help":
			inv.help = true
			continue
		case "-V", "--version":
			inv.version = true
			continue
		}
		if strings.HasPrefix(a, "--") {
			return nil, fmt.Errorf("unknown option %s", a)
		}
		on := a[0] == '-'
		for i := 1; i < len(a); i++ {
			switch c := a[i]; c {
			case 'c':
				if !on {
					return nil, fmt.Errorf("+c is not an option")
				}
				inv.hasCmd = true
			case 's':
				inv.stdin = on
			case 'i':
				inv.forceTTY = on
			case 'o':
				if len(args) == 0 {
					return nil, fmt.Errorf("%co needs an option name (set -o lists them)", a[0])
				}
				name := args[0]
				args = args[1:]
				inv.set = append(inv.set, func(sh *lang.Shell) error { return sh.SetOption(name, on) })
			default:
				inv.set = append(inv.set, func(sh *lang.Shell) error { return sh.SetFlag(c, on) })
			}
		}
	}
	if inv.hasCmd {
		if len(args) == 0 {
			return nil, fmt.Errorf("-c needs the commands to run")
		}
		inv.command, args = args[0], args[1:]
	}
	inv.operands = args
	return inv, nil
}

// Option is one of Main's options: what cmd/nsh composes into the shell.
type Option func(*options)

type options struct {
	plugins  PluginHostFunc
	protocol int
}

// PluginHostFunc makes the plugin host of a shell in ctx (package
// plugins' NewHost, with the builtins' names): environ is nsh's
// environment, stderr where it warns of refused plugins.
type PluginHostFunc func(ctx *nsctx.Context, environ []string, stderr io.Writer) command.PluginHost

// WithPlugins gives the shell plugins, made by newHost, that speak
// protocol (nsh -V says it). Without it the shell has none (plugin says
// they are not built in): cmd/nsh built with -tags noplugins links neither
// the plugin host nor gRPC.
func WithPlugins(protocol int, newHost PluginHostFunc) Option {
	return func(o *options) { o.plugins, o.protocol = newHost, protocol }
}

// Main runs nsh with the given arguments (without the program name) and
// returns its exit status. cmd/nsh is a thin wrapper around it.
func Main(args []string, stdin *os.File, stdout, stderr io.Writer, opts ...Option) int {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	inv, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "nsh: %v\n%s\n", err, usageText)
		return 2
	}
	if inv.help {
		fmt.Fprintln(stdout, usageText)
		return 0
	}
	if inv.version {
		fmt.Fprint(stdout, versionText(o.protocol))
		return 0
	}

	// Descriptors nsh inherited (beyond 0, 1, 2) must not reach the
	// programs it starts: one of them could be a namespace, and a program
	// holding it could leave its context.
	if err := unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC); err != nil {
		fmt.Fprintf(stderr, "nsh: marking inherited descriptors close-on-exec: %v\n", err)
		return 1
	}
	out, doneOut, err := asFile(stdout)
	if err != nil {
		fmt.Fprintf(stderr, "nsh: %v\n", err)
		return 1
	}
	defer doneOut()
	errf, doneErr, err := asFile(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "nsh: %v\n", err)
		return 1
	}
	defer doneErr()

	ctx, err := nsctx.New()
	if err != nil {
		fmt.Fprintf(errf, "nsh: %v\n", err)
		return 1
	}
	defer ctx.Close()

	var (
		script  io.Reader
		name    = "nsh"
		dollar0 = "nsh"
		params  = inv.operands
		progIn  = stdin
	)
	interactive := false
	switch {
	case inv.hasCmd:
		script, name = strings.NewReader(inv.command), "-c"
		if len(params) > 0 {
			dollar0, params = params[0], params[1:]
		}
	case len(params) > 0 && !inv.stdin:
		f, err := os.Open(params[0])
		if err != nil {
			fmt.Fprintf(errf, "nsh: %v\n", err)
			return 127
		}
		defer f.Close()
		script, name, dollar0, params = f, params[0], params[0], params[1:]
	case command.IsTerminal(stdin), inv.forceTTY:
		interactive = true
	default:
		// The script is stdin itself: programs must not eat the lines
		// that follow, so they get /dev/null (a redirection < FILE
		// still gives one its own input).
		script, name = stdin, "<stdin>"
		devnull, err := os.Open(os.DevNull)
		if err != nil {
			fmt.Fprintf(errf, "nsh: %v\n", err)
			return 1
		}
		defer devnull.Close()
		progIn = devnull
	}

	js := jobs.NewJobs(-1)
	if interactive {
		// Job control: nsh's own process group, owning the terminal.
		js = jobs.NewJobs(-1)
		if command.IsTerminal(stdin) {
			js = jobs.NewJobs(takeTerminal(stdin))
		}
	}
	js.Describe = func() string { return jobs.Where(ctx) }

	// Plugins, if this nsh has them: commands from plugin processes,
	// dispatched after the builtins; the plugin builtins, help and
	// completion reach the host through the shell (builtins.Lang.Plugins).
	var host command.PluginHost
	if o.plugins != nil {
		host = o.plugins(ctx, os.Environ(), errf)
		defer host.Close()
	}
	sh := lang.New(lang.Config{
		Ctx: ctx, Stdin: progIn, Stdout: out, Stderr: errf,
		Environ:     os.Environ(),
		Name:        dollar0,
		Args:        params,
		Interactive: interactive,
		FromStdin:   script == nil || name == "<stdin>",
		Jobs:        js,
		Plugins:     host,
	})
	if pwd, ok := sh.Var("PWD"); !ok || !sameFile(pwd, ".") {
		// As bash: $PWD names the working directory from the start (cd
		// keeps it so); an inherited one that names another is replaced.
		if wd, err := os.Getwd(); err == nil {
			sh.SetVar("PWD", wd, true)
		}
	}
	sh.SetVar("NSH_VERSION", Version(), false)
	if inv.keepGoing {
		sh.SetFlag('e', false)
	}
	for _, set := range inv.set {
		if err := set(sh); err != nil {
			fmt.Fprintf(errf, "nsh: %v\n", err)
			return 2
		}
	}

	// Ctrl-C goes to the foreground program; nsh must survive it. A script
	// stops after the command during which it arrived (or runs its INT
	// trap); a waiting 'wait' stops waiting.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGINT, unix.SIGQUIT)
	if interactive {
		// Ctrl-Z while a builtin runs would stop nsh itself.
		signal.Notify(sigs, unix.SIGTSTP)
	}
	defer signal.Stop(sigs)
	go func() {
		for s := range sigs {
			if s == unix.SIGINT {
				sh.Interrupt()
				js.Interrupt()
			}
		}
	}()

	var status int
	if interactive {
		color := command.IsTerminal(stdout)
		sh.Prompt = func() string { return prompt(sh, color) }
		sh.ContPrompt = func() string { v, _ := sh.Var("PS2"); return v }
		if host != nil {
			sh.CommandNames = host.CommandNames
		}
		var rd lang.LineReader = &plainReader{in: stdin, prompt: errf}
		if command.IsTerminal(stdin) {
			rl, err := newTerminalReader(sh, stdin, out, errf)
			if err != nil {
				fmt.Fprintf(errf, "nsh: %v\n", err)
				return 1
			}
			defer rl.Close()
			rd = rl
		}
		if !inv.norc {
			sourceRC(sh)
		}
		status = sh.RunInteractive(rd)
		js.HangUp()
		return status
	}
	// A script runs on the context thread itself: its namespace builtins
	// and programs then cost no hand-off between threads (lang/place.go).
	if err := ctx.Run(func() { status = sh.RunOnThread(script, name) }); err != nil {
		fmt.Fprintf(errf, "nsh: %v\n", err)
		return 1
	}
	return status
}

// asFile gives a writer as a file the shell can hand to programs: itself,
// or a pipe whose reading end a goroutine copies to it until done.
func asFile(w io.Writer) (*os.File, func(), error) {
	if f, ok := w.(*os.File); ok {
		return f, func() {}, nil
	}
	r, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	copied := make(chan struct{})
	go func() {
		io.Copy(w, r)
		r.Close()
		close(copied)
	}()
	return pw, func() { pw.Close(); <-copied }, nil
}

// sourceRC runs ~/.nshrc if there is one; its failures are reported and
// the shell starts anyway.
func sourceRC(sh *lang.Shell) {
	home, _ := sh.Var("HOME")
	if home == "" {
		return
	}
	rc := filepath.Join(home, ".nshrc")
	if _, err := os.Stat(rc); err != nil {
		return
	}
	sh.SourceRC(rc)
}

// takeTerminal makes nsh a process group of its own that owns the
// terminal, as an interactive shell must be for job control, and
// returns the terminal's fd (-1 if job control is impossible).
func takeTerminal(tty *os.File) int {
	fd := int(tty.Fd())
	pid := os.Getpid()
	// Started in the background (nsh &): wait to be brought to the
	// foreground instead of stealing the terminal, as bash does.
	for {
		fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
		if err != nil {
			return -1
		}
		if fg == unix.Getpgrp() {
			break
		}
		unix.Kill(-unix.Getpgrp(), unix.SIGTTIN)
	}
	if unix.Getpgrp() != pid {
		if err := unix.Setpgid(0, 0); err != nil {
			return -1
		}
	}
	signal.Ignore(unix.SIGTTOU)
	defer signal.Reset(unix.SIGTTOU)
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, pid); err != nil {
		return -1
	}
	return fd
}

// sameFile reports whether paths a and b name the same file.
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

// plainReader is nsh -i's input when it is not a terminal: the prompt
// goes to stderr, as sh's does, and lines are read a byte at a time so
// that a program the commands start reads what follows them.
type plainReader struct {
	in     *os.File
	prompt io.Writer
}

func (p *plainReader) ReadLine(prompt string) (string, error) {
	fmt.Fprint(p.prompt, prompt)
	var line []byte
	b := make([]byte, 1)
	for {
		n, err := p.in.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				return string(line), nil
			}
			line = append(line, b[0])
			continue
		}
		if err == nil {
			continue
		}
		if err == io.EOF && len(line) > 0 {
			return string(line), nil
		}
		return "", err
	}
}
