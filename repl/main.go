package repl

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/plugins"
	"golang.org/x/sys/unix"
)

const usageText = `usage: nsh [-c COMMANDS | FILE]

nsh is a shell for Linux namespaces. Without arguments it reads commands
from the terminal (or from standard input when that is not a terminal).
  -c COMMANDS   run COMMANDS and exit
  FILE          run the script FILE and exit
A script stops at its first failing command. Type 'help' inside nsh.`

// Main runs nsh with the given arguments (without the program name) and
// returns its exit status. cmd/nsh is a thin wrapper around it.
func Main(args []string, stdin *os.File, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("nsh", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	command := fs.String("c", "", "")
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
	if cmdSet && fs.NArg() > 0 || fs.NArg() > 1 {
		fmt.Fprintf(stderr, "nsh: too many arguments\n%s\n", usageText)
		return 2
	}

	ctx, err := nsctx.New()
	if err != nil {
		fmt.Fprintf(stderr, "nsh: %v\n", err)
		return 1
	}
	defer ctx.Close()

	var (
		reader LineReader
		name   string
		progIn io.Reader = stdin
	)
	interactive := false
	switch {
	case cmdSet:
		reader, name = newScriptReader(strings.NewReader(*command)), "-c"
	case fs.NArg() == 1:
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "nsh: %v\n", err)
			return 127
		}
		defer f.Close()
		reader, name = newScriptReader(f), fs.Arg(0)
	case isTerminal(stdin):
		interactive = true
		name = "nsh"
	default:
		// The script is stdin itself: programs must not eat the lines
		// that follow, so they get /dev/null.
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
	sh.Interactive = interactive

	// Ctrl-C goes to the foreground program; nsh must survive it. A script
	// stops after the command during which it arrived.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGINT, unix.SIGQUIT)
	defer signal.Stop(sigs)
	var pending atomic.Bool
	go func() {
		for s := range sigs {
			if s == unix.SIGINT {
				pending.Store(true)
			}
		}
	}()
	sh.interrupted = func() bool { return pending.Swap(false) }

	if interactive {
		rl, err := newTerminalReader(sh, stdin, stdout, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "nsh: %v\n", err)
			return 1
		}
		reader = rl
	}
	defer reader.Close()
	return sh.Run(reader, name)
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
