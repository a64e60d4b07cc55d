package repl

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/plugins"
	"golang.org/x/sys/unix"
)

const usageText = `usage: nsh [-x] [-k|--keep-going] [--norc] [-c COMMANDS [NAME [ARG...]] | FILE [ARG...]]

nsh is a shell for Linux namespaces. Without arguments it reads commands
from the terminal (or from standard input when that is not a terminal).
  -c COMMANDS     run COMMANDS and exit; NAME and ARGs become $0 and $1..$N
  FILE [ARG...]   run the script FILE with $1..$N set, and exit
  -k, --keep-going  a script carries on past failing commands
                  (by default it stops at the first, reporting FILE:LINE)
  -x              trace: print each command and its context before it runs
  --norc          do not read ~/.nshrc (read only on a terminal)
Type 'help' inside nsh.`

// Main runs nsh with the given arguments (without the program name) and
// returns its exit status. cmd/nsh is a thin wrapper around it.
func Main(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("nsh", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	command := fs.String("c", "", "")
	trace := fs.Bool("x", false, "")
	keep := fs.Bool("k", false, "")
	fs.BoolVar(keep, "keep-going", false, "")
	norc := fs.Bool("norc", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usageText)
			return 0
		}
		fmt.Fprintf(stderr, "nsh: %v\n%s\n", err, usageText)
		return 2
	}
	cmdSet := false
	fs.Visit(func(f *flag.Flag) { cmdSet = cmdSet || f.Name == "c" })

	// Descriptors nsh inherited (beyond 0, 1, 2) must not reach the
	// programs it starts: one of them could be a namespace, and a program
	// holding it could leave its context.
	if err := unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC); err != nil {
		fmt.Fprintf(stderr, "nsh: marking inherited descriptors close-on-exec: %v\n", err)
		return 1
	}

	ctx, err := nsctx.New()
	if err != nil {
		fmt.Fprintf(stderr, "nsh: %v\n", err)
		return 1
	}
	defer ctx.Close()

	var (
		reader  LineReader
		name    = "nsh"
		dollar0 = "nsh"
		posArgs []string
		progIn  io.Reader = stdin
	)
	interactive := false
	switch {
	case cmdSet:
		reader, name = newScriptReader(strings.NewReader(*command)), "-c"
		if fs.NArg() > 0 {
			dollar0, posArgs = fs.Arg(0), fs.Args()[1:]
		}
	case fs.NArg() >= 1:
		// The script is opened on the context thread's side only in
		// that it is where nsh started: it is not in any namespace yet.
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "nsh: %v\n", err)
			return 127
		}
		defer f.Close()
		reader, name, dollar0, posArgs = newScriptReader(f), fs.Arg(0), fs.Arg(0), fs.Args()[1:]
	case isTerminal(stdin):
		interactive = true
	default:
		// The script is stdin itself: programs must not eat the lines
		// that follow, so they get /dev/null (a redirection < FILE
		// still gives one its own input).
		reader, name = newScriptReader(stdin), "<stdin>"
		devnull, err := os.Open(os.DevNull)
		if err != nil {
			fmt.Fprintf(stderr, "nsh: %v\n", err)
			return 1
		}
		defer devnull.Close()
		progIn = devnull
	}

	// Plugins (issue 4): commands from plugin processes, dispatched after
	// the builtins; help and completion reach them through builtins.Plugins.
	host := plugins.NewHost(ctx, os.Environ(), stderr)
	defer host.Close()
	builtins.Plugins = host
	sh := NewShell(ctx, progIn, stdout, stderr, os.Environ(), func(next Handler) Handler { return host.Handler(next) })
	sh.CommandNames = host.CommandNames
	sh.Interactive = interactive
	if pwd, ok := sh.Var("PWD"); !ok || !sameFile(pwd, ".") {
		// As bash: $PWD names the working directory from the start (cd
		// keeps it so); an inherited one that names another is replaced.
		if wd, err := os.Getwd(); err == nil {
			sh.SetVar("PWD", wd, true)
		}
	}
	sh.Trace, sh.KeepGoing = *trace, *keep
	sh.Name, sh.Args = dollar0, posArgs

	if interactive {
		// Job control: nsh's own process group, owning the terminal.
		sh.jobs = builtins.NewJobs(takeTerminal(stdin))
		sh.jobs.Describe = func() string { return builtins.Where(ctx) }
	}

	// Ctrl-C goes to the foreground program; nsh must survive it. A script
	// stops after the command during which it arrived; a waiting 'wait'
	// stops waiting.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGINT, unix.SIGQUIT)
	if interactive {
		// Ctrl-Z while a builtin runs would stop nsh itself.
		signal.Notify(sigs, unix.SIGTSTP)
	}
	defer signal.Stop(sigs)
	var pending atomic.Bool
	go func() {
		for s := range sigs {
			if s == unix.SIGINT {
				pending.Store(true)
				sh.jobs.Interrupt()
			}
		}
	}()
	sh.interrupted = func() bool { return pending.Swap(false) }

	if interactive {
		if f, ok := stdout.(*os.File); ok && isTerminal(f) {
			sh.Color = true
		}
		rl, err := newTerminalReader(sh, stdin, stdout, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "nsh: %v\n", err)
			return 1
		}
		reader = rl
		if !*norc {
			sh.sourceRC()
		}
	}
	defer reader.Close()
	var status int
	if interactive {
		status = sh.Run(reader, name)
	} else {
		// A script runs on the context thread itself: its namespace
		// builtins and programs then cost no hand-off between threads
		// (see Shell.onThread).
		sh.onThread = true
		if err := ctx.Run(func() { status = sh.Run(reader, name) }); err != nil {
			fmt.Fprintf(stderr, "nsh: %v\n", err)
			return 1
		}
	}
	if interactive {
		sh.jobs.HangUp()
	}
	return status
}

// sourceRC runs ~/.nshrc if there is one; its failures are reported and
// the shell starts anyway.
func (sh *Shell) sourceRC() {
	home, _ := sh.Var("HOME")
	if home == "" {
		return
	}
	rc := filepath.Join(home, ".nshrc")
	if _, err := os.Stat(rc); err != nil {
		return
	}
	env := &builtins.Env{Stdin: sh.Stdin, Stdout: sh.Stdout, Stderr: sh.Stderr, Ctx: sh.Ctx, Shell: sh}
	err := sh.Source(env, rc, nil)
	if err != nil {
		if msg := interactiveMessage(err); msg != "" {
			fmt.Fprintf(sh.Stderr, "nsh: %s\n", msg)
		}
	}
	sh.last.Store(int32(builtins.Status(err)))
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

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
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
