package builtins

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"

	"github.com/nsh-dev/nsh/nsctx"
	"golang.org/x/sys/unix"
)

var spawnCmd = &Builtin{
	Name:    "spawn",
	Summary: "run a program inside the context and wait for it",
	Usage:   "spawn CMD [ARG...]",
	Help: `Runs CMD in the context's namespaces and working directory with the
shell's standard streams, and waits for it. CMD is looked up in PATH
inside the context's mount namespace. A command word that is not a
builtin does the same, so 'spawn ip link' and 'ip link' are one thing;
spawn is useful when a program shares a builtin's name (spawn pwd).

Exit status: the program's; 127 if CMD was not found, 126 if it is not
executable, 128+N if a signal N killed it.`,
	Operands: Commands,
	Quiet:    true,
	Run: func(env *Env, args []string) error {
		if len(args) < 2 {
			return usageError("no command given")
		}
		return Spawn(env, args[1:])
	},
}

// Spawn runs argv in the context and waits for it. Its errors name the
// program.
func Spawn(env *Env, argv []string) error {
	cmd := &exec.Cmd{
		Path:   argv[0],
		Args:   argv,
		Env:    env.Shell.Environ(),
		Stdin:  env.Stdin,
		Stdout: env.Stdout,
		Stderr: env.Stderr,
	}
	if err := env.Ctx.Start(cmd); err != nil {
		return startStatus(err)
	}
	err := waitStatus(cmd.Wait())
	var (
		es ExitStatus
		se *StatusError
	)
	switch {
	case errors.As(err, &es):
		return fmt.Errorf("%s: %w", argv[0], es)
	case errors.As(err, &se):
		return &StatusError{se.Code, fmt.Errorf("%s: %w", argv[0], se.Err)}
	}
	return err
}

func startStatus(err error) error {
	switch {
	case errors.Is(err, nsctx.ErrNotFound):
		return &StatusError{127, err}
	case errors.Is(err, nsctx.ErrNotExecutable):
		return &StatusError{126, err}
	}
	return &StatusError{1, err}
}

// waitStatus turns the result of Wait into the shell's status error.
func waitStatus(err error) error {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if ok && ws.Signaled() {
		sig := ws.Signal()
		return &StatusError{128 + int(sig), fmt.Errorf("killed by signal %d (%s)", int(sig), unix.SignalName(sig))}
	}
	return ExitStatus(ee.ExitCode())
}
