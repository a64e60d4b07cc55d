package nsctx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// Errors from Start that a shell turns into exit statuses 127 and 126.
var (
	ErrNotFound      = errors.New("command not found")
	ErrNotExecutable = errors.New("permission denied (not executable)")
	// ErrScript is an executable file the kernel cannot run (ENOEXEC): a
	// script without #!, which a shell runs itself.
	ErrScript = fmt.Errorf("%w: not a program the kernel runs, and no #! line", ErrNotExecutable)
)

// Start starts cmd from the context thread, so the program is forked into
// the context's namespaces and working directory. A cmd.Path without a slash
// is looked up in the PATH of cmd.Env, in the context's mount namespace.
// Wait for the program from any goroutine.
func (c *Context) Start(cmd *exec.Cmd) error {
	_, err := c.StartAt(cmd)
	return err
}

// StartAt is Start that also says where the program started: the
// context's namespaces (Status().Cur) read in the same step on the thread,
// so that a move made in between from another goroutine cannot make the
// answer wrong. The plugin host pools a process by it.
func (c *Context) StartAt(cmd *exec.Cmd) (at [nsfs.NumKinds]nsfs.ID, err error) {
	err = c.doLong(func() error {
		if _, err := c.startHere(cmd, false); err != nil {
			return err
		}
		at = c.curIDs()
		return nil
	})
	return at, err
}

// startHere is Start on the thread. With own, the caller reaps the program
// itself: it is forked by spawnOwn where that can (cmd.Process stays nil),
// and else cmd.Process is released once it has started.
func (c *Context) startHere(cmd *exec.Cmd, own bool) (int, error) {
	if err := c.checkInit(); err != nil {
		return 0, err
	}
	// The /sys that goes with the network namespace (sysview.go), made
	// when a program needs it rather than at every hop.
	c.syncSys()
	if c.via.active() {
		if err := c.startVia(cmd); err != nil {
			return 0, err
		}
		return started(cmd, own), nil
	}
	name := cmd.Path
	if !strings.Contains(name, "/") {
		p, err := lookPath(name, envPath(cmd.Env))
		if err != nil {
			return 0, &nsfs.Error{Path: name, Err: err}
		}
		cmd.Path = p
	}
	pid, err := 0, errors.ErrUnsupported
	if own && spawnFunc != nil {
		pid, err = spawnOwn(cmd)
	}
	if err == errors.ErrUnsupported {
		if err = cmd.Start(); err == nil {
			pid = started(cmd, own)
		}
	}
	if err != nil {
		return 0, c.startError(name, err)
	}
	if c.cur[nsfs.PID].IsZero() {
		// The first process of a new pid namespace: it exists now.
		c.refresh(nsfs.PID)
	}
	return pid, nil
}

// started is the pid of a program os/exec started; for a caller that
// reaps it itself (own), Go's handle on it (a pidfd) is closed at once.
func started(cmd *exec.Cmd, own bool) int {
	pid := cmd.Process.Pid
	if own {
		cmd.Process.Release()
	}
	return pid
}

// A Snapshot is a context saved so that programs can still be started in
// it after the context has moved on: a background job's, whose later
// programs (sleep 5 && ip link &) belong where the job was started.
// It keeps the inits of its pid namespaces until it is closed.
type Snapshot struct {
	f     *frame
	h     *hold
	umask int
}

// Snapshot saves the context for StartIn.
func (c *Context) Snapshot() (*Snapshot, error) {
	var s *Snapshot
	err := c.Do(func() error {
		f, err := c.save()
		if err != nil {
			return err
		}
		s = &Snapshot{f: f, h: c.hold(f), umask: threadUmask(-1)}
		return nil
	})
	return s, err
}

// Close releases the snapshot's descriptors; a nil snapshot is fine. An
// init it kept ends at the context's next change if nothing else reaches
// its namespace (Close may be called from any goroutine, and does not wait
// for the context thread).
func (s *Snapshot) Close() {
	if s != nil {
		s.h.gone.Store(true)
		s.f.close()
	}
}

// StartIn is Start in the context s saved: in one step on the thread, the
// context goes there, starts cmd and comes back. A nil s starts cmd where
// the context is.
func (c *Context) StartIn(s *Snapshot, cmd *exec.Cmd) error {
	return c.in(s, func() error { _, err := c.startHere(cmd, false); return err })
}

// SpawnIn is StartIn for a caller that reaps the program itself, by the
// pid it returns (wait4), and never calls cmd.Wait: a job's. cmd's
// streams must be files or nil (os/exec would copy others on goroutines
// that only Wait ends), and cmd.Env is passed as it is. Where it can, the
// program is forked by the function UseSpawn gave, cheaper than os/exec's
// fork, and cmd.Process stays nil.
func (c *Context) SpawnIn(s *Snapshot, cmd *exec.Cmd) (int, error) {
	var pid int
	err := c.in(s, func() (err error) { pid, err = c.startHere(cmd, true); return err })
	return pid, err
}

// in runs start on the thread in the context s saved (nil: where the
// context is), and comes back.
func (c *Context) in(s *Snapshot, start func() error) error {
	if s == nil {
		return c.doLong(start)
	}
	return c.doLong(func() error {
		back, err := c.save()
		if err != nil {
			return err
		}
		defer back.close()
		if err := c.restore(s.f, false); err != nil {
			return err
		}
		defer unix.Umask(unix.Umask(s.umask))
		err = start()
		if rerr := c.restore(back, false); rerr != nil {
			return fmt.Errorf("going back after starting a job's program: %w", rerr)
		}
		return err
	})
}

// SpawnFunc forks and executes a program from the calling thread, as
// package nsexec's Spawn does (see there); errors.ErrUnsupported for what
// it does not do.
type SpawnFunc func(path string, argv, env []string, files []int, sys *syscall.SysProcAttr, nofile bool) (int, error)

var spawnFunc SpawnFunc

// UseSpawn has SpawnIn fork programs with f; a main package calls it as
//
//	nsctx.UseSpawn(nsexec.Spawn)
//
// (nsexec imports no nsh package: the composition is the main package's).
// Without it, os/exec forks them. A shell's loop of programs is the
// reason: os/exec's child resets each of Go's 55 signal handlers with a
// syscall of its own while nsh waits, and makes an error pipe and a pidfd
// per program; nsexec's has the kernel clear the handlers in the clone.
func UseSpawn(f SpawnFunc) { spawnFunc = f }

// nofileSet: RLIMIT_NOFILE was set since nsh started (NofileSet).
var nofileSet atomic.Bool

// NofileSet says that nsh set RLIMIT_NOFILE through syscall.Setrlimit
// (ulimit -n): from then on programs get nsh's own limit, as os/exec gives
// them, not the one nsh was started with.
func NofileSet() { nofileSet.Store(true) }

// NofileChanged reports whether NofileSet was called.
func NofileChanged() bool { return nofileSet.Load() }

// spawnOwn forks cmd with spawnFunc, for a caller that reaps it; as
// os/exec, nil streams are /dev/null and nil extra files closed.
func spawnOwn(cmd *exec.Cmd) (int, error) {
	if cmd.Dir != "" || cmd.Cancel != nil || len(cmd.ExtraFiles) > 7 {
		return 0, errors.ErrUnsupported
	}
	var fds [10]int
	files := fds[:0]
	for i, s := range []any{cmd.Stdin, cmd.Stdout, cmd.Stderr} {
		if s == nil {
			flag := os.O_WRONLY
			if i == 0 {
				flag = os.O_RDONLY
			}
			f, err := os.OpenFile(os.DevNull, flag, 0)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			s = f
		}
		f, ok := s.(*os.File)
		if !ok || f == nil {
			return 0, errors.ErrUnsupported
		}
		files = append(files, int(f.Fd()))
	}
	for _, f := range cmd.ExtraFiles {
		fd := -1
		if f != nil {
			fd = int(f.Fd())
		}
		files = append(files, fd)
	}
	argv, env := cmd.Args, cmd.Env
	if len(argv) == 0 {
		argv = []string{cmd.Path}
	}
	if env == nil {
		env = os.Environ()
	}
	pid, err := spawnFunc(cmd.Path, argv, env, files, cmd.SysProcAttr, !nofileSet.Load())
	if errno, ok := err.(syscall.Errno); ok {
		// As os.StartProcess says it, for startError.
		return 0, &os.PathError{Op: "fork/exec", Path: cmd.Path, Err: errno}
	}
	return pid, err
}

func (c *Context) startError(name string, err error) error {
	switch {
	case errors.Is(err, unix.ENOENT):
		err = ErrNotFound
	case errors.Is(err, unix.ENOEXEC):
		err = ErrScript
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EISDIR):
		err = ErrNotExecutable
	case errors.Is(err, unix.ENOMEM) && c.effective(nsfs.PID) != c.home[nsfs.PID].ID():
		// fork into a pid namespace whose init has exited. If it was
		// nsh's, say how it ended (it is dead: wait for its status).
		if ip := c.inits[c.effective(nsfs.PID)]; ip != nil {
			<-ip.done
			return c.checkInit()
		}
		return ErrPIDNoInit
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		err = nsfs.Plain(err)
	}
	return &nsfs.Error{Path: name, Err: err}
}

func envPath(env []string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], "PATH="); ok {
			return v
		}
	}
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

// lookPath finds an executable file in the directories of path. It runs on
// the context thread, so it sees the context's mount namespace and cwd.
func lookPath(file, path string) (string, error) {
	denied := false
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		var st unix.Stat_t
		if unix.Stat(p, &st) != nil || st.Mode&unix.S_IFMT == unix.S_IFDIR {
			continue
		}
		if unix.Access(p, unix.X_OK) != nil {
			denied = true
			continue
		}
		if dir == "." {
			p = "./" + file
		}
		return p, nil
	}
	if denied {
		return "", ErrNotExecutable
	}
	return "", ErrNotFound
}

// LookPath finds an executable file named file in the directories of path
// as the context sees them (command -v, type).
func (c *Context) LookPath(file, path string) (string, error) {
	if strings.Contains(file, "/") {
		var ok bool
		err := c.Files(func(fs FS) error { ok = fs.Exists(file); return nil })
		if err != nil || !ok {
			return "", ErrNotFound
		}
		return file, nil
	}
	var p string
	err := c.view(func() error {
		if c.via.ns[nsfs.Mnt] == nil {
			var err error
			p, err = lookPath(file, path)
			return err
		}
		return c.Files(func(fs FS) error {
			for _, dir := range filepath.SplitList(path) {
				if dir == "" {
					dir = "."
				}
				if q := filepath.Join(dir, file); fs.Exists(q) && !fs.IsDir(q) {
					p = q
					return nil
				}
			}
			return ErrNotFound
		})
	})
	return p, err
}
