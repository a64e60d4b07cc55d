package builtins

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

var spawnCmd = &Builtin{
	Name:    "spawn",
	Summary: "run a program inside the context and wait for it",
	Usage:   "spawn [-b] CMD [ARG...]",
	Help: `Runs CMD in the context's namespaces and working directory with the
shell's standard streams, and waits for it. CMD is looked up in PATH
inside the context's mount namespace. A command word that is not a
builtin does the same, so 'spawn ip link' and 'ip link' are one thing;
spawn is useful when a program shares a builtin's name (spawn pwd).
With -b the program runs in the background as a job, as 'CMD &' does.

Interactively a program in the foreground gets its own process group and
the terminal: Ctrl-C and Ctrl-Z reach it, never nsh.

Exit status: the program's; 127 if CMD was not found, 126 if it is not
executable, 128+N if a signal N killed it.

  spawn bash          # a shell inside the context; exit comes back
  spawn -b sleep 100  # a background job; 'jobs' lists it`,
	Options:  []string{"-b"},
	Operands: Commands,
	Quiet:    true,
	Run: func(env *Env, args []string) error {
		bg := len(args) > 1 && args[1] == "-b"
		if bg {
			args = args[1:]
		}
		if len(args) > 1 && args[1] == "--" {
			args = args[1:]
		}
		if len(args) < 2 {
			return usageError("no command given")
		}
		if bg {
			js := env.Shell.Jobs()
			j := js.NewJob(strings.Join(args[1:], " ")+" &", Where(env.Ctx), false)
			argv := args[1:]
			j.Go(true, func() error {
				e := *env
				e.Job = j
				return Spawn(&e, argv)
			})
			js.Add(j)
			j.Launched()
			env.Shell.Started(j)
			return nil
		}
		return Spawn(env, args[1:])
	},
}

// Spawn runs argv in the context as part of env.Job and waits for it to
// exit. Without a job it makes a foreground job of its own, so a stop
// (Ctrl-Z) hands the prompt back.
func Spawn(env *Env, argv []string) error {
	if env.Job == nil {
		return spawnForeground(env, argv)
	}
	files, finish, err := osFiles(env.Stdin, env.Stdout, env.Stderr)
	if err != nil {
		return err
	}
	p, _, err := startCmd(env, env.Job, argv, files, true)
	if err != nil {
		finish()
		return startStatus(env, argv[0], err)
	}
	st := env.Job.waitExit(p)
	finish()
	return nameProgram(argv[0], st)
}

func command(env *Env, argv []string, files [3]*os.File) *exec.Cmd {
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

// startCmd starts argv as a process of j. An executable file the kernel
// will not run (no #! line) runs as a script of a new nsh in the context,
// as POSIX has sh do.
func startCmd(env *Env, j *Job, argv []string, files [3]*os.File, reap bool) (*proc, *exec.Cmd, error) {
	cmd := command(env, argv, files)
	p, err := j.start(env.Ctx, env.Snap, cmd, reap)
	if errors.Is(err, nsctx.ErrScript) {
		// cmd.Path is the file as found in PATH; /proc/self/exe is
		// nsh, whatever the context's mount namespace holds.
		script := append([]string{"nsh", cmd.Path}, argv[1:]...)
		cmd = command(env, script, files)
		cmd.Path = "/proc/self/exe"
		p, err = j.start(env.Ctx, env.Snap, cmd, reap)
	}
	return p, cmd, err
}

// spawnForeground runs a lone program in the foreground: the most common
// command of all, and what a script runs in a loop. It starts and waits on
// the calling goroutine, without the stage goroutine and the reaper
// goroutine a job uses, whose hand-offs cost more than the fork itself on
// a busy machine. Only if the program stops (Ctrl-Z) does it become a job
// like any other, followed by the job machinery from then on.
func spawnForeground(env *Env, argv []string) error {
	js := env.Shell.Jobs()
	j := js.NewJob(strings.Join(argv, " "), "", true)
	files, finish, err := osFiles(env.Stdin, env.Stdout, env.Stderr)
	if err != nil {
		return err
	}
	p, cmd, err := startCmd(env, j, argv, files, false)
	if err != nil {
		finish()
		return startStatus(env, argv[0], err)
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
			go js.reap(p, cmd.Process)
			j.Go(true, func() error {
				st := j.waitExit(p)
				finish()
				return nameProgram(argv[0], st)
			})
			return js.Foreground(j, env.Stderr)
		}
		cmd.Process.Release()
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
		es ExitStatus
		se *StatusError
	)
	switch {
	case errors.Is(err, Interrupted{}):
		return fmt.Errorf("%s: %w", name, err)
	case errors.As(err, &es):
		return fmt.Errorf("%s: %w", name, es)
	case errors.As(err, &se):
		return &StatusError{se.Code, fmt.Errorf("%s: %w", name, se.Err)}
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
	for i, o := range []io.Writer{RawWriter(out), errw} {
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

func startStatus(env *Env, name string, err error) error {
	switch {
	case errors.Is(err, nsctx.ErrNotFound):
		if !strings.Contains(name, "/") {
			path, _ := env.Shell.Var("PATH")
			if s := nearest(name, path); s != "" {
				err = fmt.Errorf("%w; did you mean %s?", err, s)
			}
		}
		return &StatusError{127, err}
	case errors.Is(err, nsctx.ErrNotExecutable):
		return &StatusError{126, err}
	}
	return &StatusError{1, err}
}

// waitStatus turns a wait status into the shell's status error.
func waitStatus(ws unix.WaitStatus) error {
	switch {
	case ws.Signaled():
		sig := ws.Signal()
		if sig == unix.SIGINT {
			// As in bash: the user pressed Ctrl-C and knows.
			return Interrupted{}
		}
		return &StatusError{128 + int(sig), &SignalError{sig}}
	case ws.ExitStatus() != 0:
		return ExitStatus(ws.ExitStatus())
	}
	return nil
}

// Interrupted is a program that SIGINT (Ctrl-C) ended: status 130 and
// nothing to say, as in bash. A script stops there even if the signal
// has not reached nsh's own handler yet: bash too acts on a child that
// died of SIGINT as on the signal itself.
type Interrupted struct{}

func (Interrupted) Error() string { return "interrupted" }
func (Interrupted) Unwrap() error { return ExitStatus(128 + int(unix.SIGINT)) }

// SignalError is a program killed by a signal.
type SignalError struct{ Sig unix.Signal }

func (e *SignalError) Error() string {
	return fmt.Sprintf("killed by signal %d (%s)", int(e.Sig), unix.SignalName(e.Sig))
}

// Where describes the context for job listings and traces: the kinds
// that differ from home with their inodes (net=NAME for an ip netns one,
// as the prompt shows it), or "home".
func Where(ctx Viewer) string {
	netnsName := func(k nsfs.Kind, id nsfs.ID) string {
		if k != nsfs.Net {
			return ""
		}
		return nsfs.NetnsName(id)
	}
	st, err := ctx.Status()
	if err != nil {
		return "?"
	}
	var ks []string
	for _, k := range nsfs.Kinds() {
		if st.Differs(k) {
			if st.Pending(k) {
				ks = append(ks, k.String()+":new")
			} else if n := netnsName(k, st.Cur[k]); n != "" {
				ks = append(ks, k.String()+"="+n) // as the prompt says it
			} else {
				ks = append(ks, fmt.Sprintf("%s:%d", k, st.Cur[k].Ino))
			}
		}
	}
	if len(ks) == 0 {
		return "home"
	}
	return strings.Join(ks, " ")
}
