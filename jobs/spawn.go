package jobs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
)

// Spawn runs argv in the context as part of env.Job and waits for it to
// exit. Without a job (or with one that is not js's) it makes a
// foreground job of its own in js, so a stop (Ctrl-Z) hands the prompt
// back.
func Spawn(js *Jobs, env *command.Env, argv []string) error {
	j, ok := env.Job.(*Job)
	if !ok {
		return spawnForeground(js, env, argv)
	}
	p, finish, err := startCmd(env, j, argv, true)
	if err != nil {
		return err
	}
	st := j.waitExit(p)
	finish()
	return nameProgram(argv[0], st)
}

func newCmd(env *command.Env, argv []string, files [3]*os.File) *exec.Cmd {
	return &exec.Cmd{
		Path:   argv[0],
		Args:   argv,
		Env:    env.Shell.Environ(),
		Stdin:  files[0],
		Stdout: files[1],
		Stderr: files[2],
		// fds 3-9 as the shell's redirections left them (exec 3>f):
		// never a namespace, which nsh holds close-on-exec.
		ExtraFiles: env.Files,
	}
}

// startCmd starts argv as a process of j with the command's streams;
// finish, once the program has exited, ends the copying of streams that
// are no files (osFiles). An executable file the kernel will not run (no
// #! line) runs as a script of a new nsh in the context, as POSIX has sh
// do. A program that does not start is a status error (startStatus).
func startCmd(env *command.Env, j *Job, argv []string, reap bool) (p *proc, finish func(), err error) {
	files, finish, err := osFiles(env.Stdin, env.Stdout, env.Stderr)
	if err != nil {
		return nil, nil, err
	}
	cmd := newCmd(env, argv, files)
	p, err = j.start(env.Ctx, env.Snap, cmd, reap)
	if errors.Is(err, nsctx.ErrScript) {
		// cmd.Path is the file as found in PATH; /proc/self/exe is
		// nsh, whatever the context's mount namespace holds.
		script := append([]string{"nsh", cmd.Path}, argv[1:]...)
		cmd = newCmd(env, script, files)
		cmd.Path = "/proc/self/exe"
		p, err = j.start(env.Ctx, env.Snap, cmd, reap)
	}
	if err != nil {
		finish()
		return nil, nil, startStatus(err)
	}
	return p, finish, nil
}

// spawnForeground runs a lone program in the foreground: the most common
// command of all, and what a script runs in a loop. It starts and waits on
// the calling goroutine, without the stage goroutine and the reaper
// goroutine a job uses, whose hand-offs cost more than the fork itself on
// a busy machine. Only if the program stops (Ctrl-Z) does it become a job
// like any other, followed by the job machinery from then on.
func spawnForeground(js *Jobs, env *command.Env, argv []string) error {
	j := js.NewJob(strings.Join(argv, " "), "", true)
	p, finish, err := startCmd(env, j, argv, false)
	if err != nil {
		return err
	}
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(p.pid, &ws, unix.WUNTRACED, nil)
		if err == unix.EINTR {
			continue
		}
		if err == nil && ws.Stopped() {
			// From here on it is a job: a reaper follows the process,
			// and a stage waits for its end and keeps its status.
			js.mu.Lock()
			p.state, p.ws = stopped, ws
			js.mu.Unlock()
			go js.reap(p)
			j.Go(true, func() error {
				st := j.waitExit(p)
				finish()
				return nameProgram(argv[0], st)
			})
			return js.Foreground(j, env.Stderr)
		}
		finish()
		js.takeTerminal(j, false)
		if err != nil {
			return err
		}
		return nameProgram(argv[0], waitStatus(ws))
	}
}

// nameProgram puts the program's name in front of an exit status or a
// signal, keeping the status: "sh: exit status 3".
func nameProgram(name string, err error) error {
	var (
		es command.ExitStatus
		se *command.StatusError
	)
	switch {
	case errors.Is(err, command.Interrupted{}):
		return fmt.Errorf("%s: %w", name, err)
	case errors.As(err, &es):
		return fmt.Errorf("%s: %w", name, es)
	case errors.As(err, &se):
		return &command.StatusError{Code: se.Code, Err: fmt.Errorf("%s: %w", name, se.Err)}
	}
	return err
}

// osFiles gives a program real files for its streams: os.File streams
// pass as they are; anything else (a buffer in tests, a writer of a
// plugin) gets a pipe and a copying goroutine. finish closes the pipes
// and waits for the copies, after the program has exited. nsh reaps its
// children itself (to see them stop), so exec.Cmd.Wait, which would do
// this copying, is never called.
func osFiles(in io.Reader, out, errw io.Writer) ([3]*os.File, func(), error) {
	var (
		fs      [3]*os.File
		closers []*os.File
		wg      sync.WaitGroup
	)
	finish := func() {
		for _, f := range closers {
			f.Close()
		}
		wg.Wait()
	}
	if f, ok := in.(*os.File); ok {
		fs[0] = f
	} else if in == nil {
		fs[0] = nil
	} else {
		r, w, err := os.Pipe()
		if err != nil {
			return fs, finish, err
		}
		fs[0] = r
		closers = append(closers, r)
		go func() { io.Copy(w, in); w.Close() }() // ends with the reader
	}
	for i, o := range []io.Writer{command.RawWriter(out), errw} {
		if f, ok := o.(*os.File); ok {
			fs[i+1] = f
			continue
		}
		if o == nil {
			continue
		}
		r, w, err := os.Pipe()
		if err != nil {
			finish()
			return fs, func() {}, err
		}
		fs[i+1] = w
		closers = append(closers, w)
		wg.Add(1)
		go func() { defer wg.Done(); io.Copy(o, r); r.Close() }()
	}
	return fs, finish, nil
}

// startStatus is the status of a program that did not start: 127 not
// found (builtins.Suggest may add the name meant), 126 not executable.
func startStatus(err error) error {
	switch {
	case errors.Is(err, nsctx.ErrNotFound):
		return &command.StatusError{Code: 127, Err: err}
	case errors.Is(err, nsctx.ErrNotExecutable):
		return &command.StatusError{Code: 126, Err: err}
	}
	return &command.StatusError{Code: 1, Err: err}
}

// waitStatus turns a wait status into the shell's status error.
func waitStatus(ws unix.WaitStatus) error {
	switch {
	case ws.Signaled():
		sig := ws.Signal()
		if sig == unix.SIGINT {
			// As in bash: the user pressed Ctrl-C and knows.
			return command.Interrupted{}
		}
		return &command.StatusError{Code: 128 + int(sig), Err: &command.SignalError{Sig: sig}}
	case ws.ExitStatus() != 0:
		return command.ExitStatus(ws.ExitStatus())
	}
	return nil
}
