package nsctx

import (
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"

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
	return c.doLong(func() error { return c.startHere(cmd) })
}

// startHere is Start on the thread.
func (c *Context) startHere(cmd *exec.Cmd) error {
	if err := c.checkInit(); err != nil {
		return err
	}
	// The /sys that goes with the network namespace (sysview.go), made
	// when a program needs it rather than at every hop.
	c.syncSys()
	if c.via.active() {
		return c.startVia(cmd)
	}
	name := cmd.Path
	if !strings.Contains(name, "/") {
		p, err := lookPath(name, envPath(cmd.Env))
		if err != nil {
			return &nsfs.Error{Path: name, Err: err}
		}
		cmd.Path = p
	}
	if err := cmd.Start(); err != nil {
		return c.startError(name, err)
	}
	if c.cur[nsfs.PID].IsZero() {
		// The first process of a new pid namespace: it exists now.
		c.refresh(nsfs.PID)
	}
	return nil
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
	if s == nil {
		return c.Start(cmd)
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
		err = c.startHere(cmd)
		if rerr := c.restore(back, false); rerr != nil {
			return fmt.Errorf("going back after starting a job's program: %w", rerr)
		}
		return err
	})
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
