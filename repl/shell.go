package repl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/nsctx"
)

// Handler runs one command.
type Handler func(env *builtins.Env, args []string) error

// Middleware wraps a handler: it handles what it knows and passes the rest
// on to next.
type Middleware func(next Handler) Handler

// Builtins dispatches builtin commands.
func Builtins(next Handler) Handler {
	return func(env *builtins.Env, args []string) error {
		if b, ok := builtins.Lookup(args[0]); ok {
			if b.Quiet {
				return b.Call(env, args)
			}
			return named(args[0], b.Call(env, args))
		}
		return next(env, args)
	}
}

// Spawn runs anything else as a program in the context.
func Spawn(env *builtins.Env, args []string) error {
	return builtins.Spawn(env, args)
}

// namedError prefixes an error with the command that failed.
type namedError struct {
	name string
	err  error
}

func (e *namedError) Error() string { return e.name + ": " + e.err.Error() }
func (e *namedError) Unwrap() error { return e.err }

func named(name string, err error) error {
	if err == nil {
		return nil
	}
	var er *builtins.ExitRequest
	if errors.As(err, &er) {
		return err
	}
	return &namedError{name, err}
}

// Shell runs commands in a namespace context.
type Shell struct {
	Ctx    *nsctx.Context
	Stdin  io.Reader // what programs read
	Stdout io.Writer
	Stderr io.Writer
	Env    []string

	Interactive bool
	handler     Handler
	last        int
	interrupted func() bool // reports and clears a pending SIGINT (scripts)
}

// NewShell builds a shell with the default handler chain.
func NewShell(ctx *nsctx.Context, stdin io.Reader, stdout, stderr io.Writer, env []string, mw ...Middleware) *Shell {
	sh := &Shell{Ctx: ctx, Stdin: stdin, Stdout: stdout, Stderr: stderr, Env: env}
	h := Handler(Spawn)
	mw = append([]Middleware{Builtins}, mw...)
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	sh.handler = h
	return sh
}

// Environ implements builtins.Shell.
func (sh *Shell) Environ() []string { return sh.Env }

// LastStatus implements builtins.Shell.
func (sh *Shell) LastStatus() int { return sh.last }

func (sh *Shell) env() *builtins.Env {
	return &builtins.Env{Stdin: sh.Stdin, Stdout: sh.Stdout, Stderr: sh.Stderr, Ctx: sh.Ctx, Shell: sh}
}

// Exec runs one command and records its status.
func (sh *Shell) Exec(args []string) error {
	err := sh.handler(sh.env(), args)
	sh.last = builtins.Status(err)
	return err
}

// Run reads and runs commands until the input ends or `exit`. A script
// (not interactive) stops at the first failing command and reports
// NAME:LINE: message; the result is the exit status.
func (sh *Shell) Run(r LineReader, name string) int {
	src := &lineSource{r: r}
	for {
		text, line, err := src.next(sh.prompt(), "> ")
		if errors.Is(err, io.EOF) {
			return sh.last
		}
		if errors.Is(err, ErrInterrupted) {
			sh.last = 130
			continue
		}
		var cmds [][]string
		if err == nil {
			cmds, err = splitCommands(text)
		}
		if err != nil {
			// Bad input: one error; a script stops at that line.
			sh.last = 2
			if !sh.Interactive {
				fmt.Fprintf(sh.Stderr, "%s:%d: %v\n", name, line, err)
				return 2
			}
			fmt.Fprintf(sh.Stderr, "nsh: %v\n", err)
			continue
		}
		for _, args := range cmds {
			err := sh.Exec(args)
			var er *builtins.ExitRequest
			if errors.As(err, &er) {
				return er.Code
			}
			if sh.interrupted != nil && sh.interrupted() && !sh.Interactive {
				fmt.Fprintf(sh.Stderr, "%s:%d: interrupted\n", name, line)
				return 130
			}
			if err == nil {
				continue
			}
			if sh.Interactive {
				if msg := interactiveMessage(err); msg != "" {
					fmt.Fprintf(sh.Stderr, "nsh: %s\n", msg)
				}
				break // the rest of this line's commands are not run
			}
			fmt.Fprintf(sh.Stderr, "%s:%d: %s\n", name, line, err)
			return sh.last
		}
	}
}

// interactiveMessage is what the user sees for a failed command: nothing
// for a program that merely exited non-zero or that the user stopped with
// Ctrl-C (as in bash).
func interactiveMessage(err error) string {
	var es builtins.ExitStatus
	if errors.As(err, &es) || builtins.Status(err) == 128+2 {
		return ""
	}
	return strings.TrimSpace(err.Error())
}

func (sh *Shell) prompt() string {
	if !sh.Interactive {
		return ""
	}
	st, err := sh.Ctx.Status()
	if err != nil {
		return "nsh? "
	}
	return formatPrompt(&st, sh.last, os.Geteuid() == 0)
}

func formatPrompt(st *nsctx.Status, last int, root bool) string {
	var b strings.Builder
	b.WriteString("nsh")
	var away []string
	for _, k := range nsctx.Kinds() {
		if st.Differs(k) {
			away = append(away, k.String())
		}
	}
	if len(away) > 0 {
		b.WriteString("[" + strings.Join(away, ",") + "]")
	}
	if st.Depth > 0 {
		fmt.Fprintf(&b, "^%d", st.Depth)
	}
	if last != 0 {
		fmt.Fprintf(&b, " %d", last)
	}
	if root {
		b.WriteString("# ")
	} else {
		b.WriteString("$ ")
	}
	return b.String()
}
