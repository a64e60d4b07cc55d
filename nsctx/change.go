package nsctx

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// joinOrder is the order in which kinds are entered: mnt last, since after
// it paths resolve in the new mount namespace (nsenter does the same).
var joinOrder = [...]Kind{Cgroup, IPC, UTS, Net, PID, Time, Mnt}

// Propagation is what `unshare mnt` does to the new mount tree.
type Propagation int

const (
	PropPrivate Propagation = iota // util-linux's default
	PropSlave
	PropShared
	PropUnchanged
)

// ParsePropagation accepts private, slave, shared or unchanged.
func ParsePropagation(s string) (Propagation, error) {
	switch s {
	case "private":
		return PropPrivate, nil
	case "slave":
		return PropSlave, nil
	case "shared":
		return PropShared, nil
	case "unchanged":
		return PropUnchanged, nil
	}
	return 0, fmt.Errorf("unknown propagation %q (valid: private slave shared unchanged)", s)
}

func (p Propagation) flags() uintptr {
	switch p {
	case PropSlave:
		return unix.MS_REC | unix.MS_SLAVE
	case PropShared:
		return unix.MS_REC | unix.MS_SHARED
	}
	return unix.MS_REC | unix.MS_PRIVATE
}

func checkThreadable(k Kind) error {
	if k == User {
		return &Error{Kind: "user", Err: fmt.Errorf("%w: the kernel refuses user namespaces to multithreaded processes; nsh will handle them through a helper", ErrUnsupported)}
	}
	return nil
}

// Unshare gives the context new namespaces of the given kinds, all in one
// unshare(2) call, so either every kind is new afterwards or none is. For
// mnt the new tree's propagation is then set; if that fails the context is
// put back as it was.
func (c *Context) Unshare(kinds []Kind, prop Propagation) error {
	flags := 0
	for _, k := range kinds {
		if err := checkThreadable(k); err != nil {
			return err
		}
		flags |= k.Flag()
	}
	if flags == 0 {
		return nil
	}
	return c.Do(func() error {
		var prev *frame
		if flags&unix.CLONE_NEWNS != 0 && prop != PropUnchanged {
			var err error
			if prev, err = c.save(); err != nil {
				return err
			}
			defer prev.close()
		}
		// unshare(CLONE_NEWPID) is refused (EINVAL) unless the children's
		// pid namespace is the thread's own: go back to it first.
		if flags&unix.CLONE_NEWPID != 0 && c.cur[PID] != c.home[PID].id {
			undo, err := c.pidHome()
			if err != nil {
				return err
			}
			defer undo()
		}
		if err := unix.Unshare(flags); err != nil {
			return unshareError(kinds, err)
		}
		for _, k := range kinds {
			c.refresh(k)
		}
		if prev != nil {
			if err := unix.Mount("none", "/", "", prop.flags(), ""); err != nil {
				err = fmt.Errorf("mnt: setting propagation of /: %w", plain(err))
				if rerr := c.restore(prev, true); rerr != nil {
					return fmt.Errorf("%v; rolling back failed too: %v", err, rerr)
				}
				return err
			}
		}
		return nil
	})
}

func unshareError(kinds []Kind, err error) error {
	names := ""
	for i, k := range kinds {
		if i > 0 {
			names += " "
		}
		names += k.String()
	}
	return &Error{Kind: names, Err: plain(err)}
}

// refresh reads the thread's current namespace of kind k. A new pid
// namespace has no file until its first process exists: its ID stays zero.
func (c *Context) refresh(k Kind) {
	id, err := statID(procPath(0, k.ProcName()))
	if err != nil {
		id = ID{}
	}
	c.cur[k] = id
}

// Join enters the namespaces of the given handles, all or nothing: on the
// first failure the kinds already changed are put back. Handles stay owned
// by the caller.
func (c *Context) Join(hs ...*Handle) error {
	var target [NumKinds]*Handle
	for _, h := range hs {
		if err := checkThreadable(h.kind); err != nil {
			return err
		}
		target[h.kind] = h
	}
	return c.Do(func() error { return c.enter(target, -1) })
}

// JoinFile opens the namespace file at path on the context thread (so a
// relative path is taken from the context's working directory) and joins
// it, in one trip to the thread. With want >= 0, a file of another kind is
// refused.
func (c *Context) JoinFile(path string, want Kind) error {
	return c.Do(func() error {
		h, err := Open(path)
		if err != nil {
			return err
		}
		defer h.Close()
		if want >= 0 && h.kind != want {
			return &Error{Path: path, Err: fmt.Errorf("%w: it is a %s namespace, not %s", ErrWrongKind, h.kind, want)}
		}
		if err := checkThreadable(h.kind); err != nil {
			return err
		}
		var target [NumKinds]*Handle
		target[h.kind] = h
		return c.enter(target, -1)
	})
}

// GoHome returns every kind to its home namespace. When the mount namespace
// changes, the working directory goes back to the one nsh started in.
func (c *Context) GoHome() error {
	return c.Do(func() error {
		cwd := -1
		if c.cur[Mnt] != c.home[Mnt].id {
			cwd = c.homeCwd
		}
		return c.enter(c.home, cwd)
	})
}

// Push saves the context on the stack.
func (c *Context) Push() error {
	return c.Do(func() error {
		f, err := c.save()
		if err != nil {
			return err
		}
		if f.ns[Time] != nil {
			f.close()
			return &Error{Kind: "time", Err: fmt.Errorf("%w: a context with a new time namespace cannot be saved (the kernel does not let a multithreaded process re-enter it)", ErrUnsupported)}
		}
		c.stack = append(c.stack, f)
		return nil
	})
}

// ErrEmptyStack is returned by Pop when nothing was pushed.
var ErrEmptyStack = errors.New("the stack is empty")

// Pop returns to the context saved last, working directory included. The
// entry is dropped only when the return succeeded.
func (c *Context) Pop() error {
	return c.Do(func() error {
		if len(c.stack) == 0 {
			return ErrEmptyStack
		}
		f := c.stack[len(c.stack)-1]
		if err := c.restore(f, false); err != nil {
			return err
		}
		c.stack = c.stack[:len(c.stack)-1]
		f.close()
		return nil
	})
}

// save opens the thread's current namespaces (the kinds away from home) and
// working directory. Runs on the thread.
func (c *Context) save() (*frame, error) {
	f := &frame{cwd: -1}
	for _, k := range Kinds() {
		if c.cur[k] == c.home[k].id {
			continue
		}
		if c.cur[k].IsZero() {
			f.newPID = true
			continue
		}
		h, err := OpenProcess(0, k)
		if err != nil {
			f.close()
			return nil, err
		}
		f.ns[k] = h
	}
	cwd, err := unix.Open(".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		f.close()
		return nil, fmt.Errorf("saving working directory: %w", plain(err))
	}
	f.cwd = cwd
	return f, nil
}

// restore enters a saved frame; kinds without a handle go home. With
// keepCwd the working directory is only restored if mnt changes.
func (c *Context) restore(f *frame, keepCwd bool) error {
	target := c.home
	for k, h := range f.ns {
		if h != nil {
			target[k] = h
		}
	}
	cwd := f.cwd
	if keepCwd && target[Mnt].id == c.cur[Mnt] {
		cwd = -1
	}
	if err := c.enter(target, cwd); err != nil {
		return err
	}
	if f.newPID {
		return c.unsharePID()
	}
	return nil
}

// pidHome moves the children's pid namespace back to home. The returned
// undo puts it back unless the caller has changed pid since.
func (c *Context) pidHome() (undo func(), err error) {
	was := c.cur[PID]
	var prev *Handle
	if !was.IsZero() {
		if prev, err = OpenProcess(0, PID); err != nil {
			return nil, err
		}
	}
	if err := unix.Setns(c.home[PID].fd, unix.CLONE_NEWPID); err != nil {
		prev.Close()
		return nil, kindError(PID, err)
	}
	c.cur[PID] = c.home[PID].id
	return func() {
		defer prev.Close()
		if c.cur[PID] != c.home[PID].id {
			return // the caller went on to a new pid namespace
		}
		if prev == nil {
			c.unsharePID()
		} else if unix.Setns(prev.fd, unix.CLONE_NEWPID) == nil {
			c.cur[PID] = prev.id
		}
	}, nil
}

// unsharePID gives the thread a new, still empty pid namespace for its
// children.
func (c *Context) unsharePID() error {
	if err := unix.Unshare(unix.CLONE_NEWPID); err != nil {
		return kindError(PID, err)
	}
	c.cur[PID] = ID{}
	return nil
}

// enter moves the thread to target (nil entries are left alone), then
// changes to the directory cwd (-1: leave it). Runs on the thread.
func (c *Context) enter(target [NumKinds]*Handle, cwd int) error {
	n := 0
	for k, h := range target {
		if h != nil && h.id != c.cur[k] {
			n++
		}
	}
	if t := target[Time]; t != nil && t.id != c.cur[Time] {
		// setns(time) is refused (EUSERS) to any multithreaded process. The
		// only way back to the home time namespace is a fresh thread.
		if t.id != c.home[Time].id {
			return &Error{Kind: "time", Err: fmt.Errorf("%w: joining an existing time namespace (the kernel refuses it to multithreaded processes)", ErrUnsupported)}
		}
		return c.respawn(target, cwd)
	}
	if n == 0 {
		return fchdir(cwd)
	}
	// To undo a partial change, remember where each kind was. With a single
	// kind there is nothing to undo, so skip the cost.
	var undo frame
	undo.cwd = -1
	defer undo.close()
	done := make([]Kind, 0, n)
	for _, k := range joinOrder {
		h := target[k]
		if h == nil || h.id == c.cur[k] {
			continue
		}
		if n > 1 {
			if c.cur[k].IsZero() {
				undo.newPID = true
				goto enter
			}
			prev, err := OpenProcess(0, k)
			if err != nil {
				c.rollback(&undo, done)
				return err
			}
			undo.ns[k] = prev
		}
	enter:
		if err := unix.Setns(h.fd, h.kind.Flag()); err != nil {
			c.rollback(&undo, done)
			return kindError(k, err)
		}
		c.cur[k] = h.id
		done = append(done, k)
	}
	if err := fchdir(cwd); err != nil {
		c.rollback(&undo, done)
		return err
	}
	return nil
}

func (c *Context) rollback(undo *frame, done []Kind) {
	for i := len(done) - 1; i >= 0; i-- {
		k := done[i]
		if h := undo.ns[k]; h != nil && unix.Setns(h.fd, k.Flag()) == nil {
			c.cur[k] = h.id
		} else if k == PID && undo.newPID && unix.Setns(c.home[PID].fd, unix.CLONE_NEWPID) == nil {
			c.unsharePID()
		}
	}
}

func fchdir(fd int) error {
	if fd < 0 {
		return nil
	}
	if err := unix.Fchdir(fd); err != nil {
		return fmt.Errorf("restoring working directory: %w", plain(err))
	}
	return nil
}

// respawn moves the context to a fresh thread built up from home: the one
// way to leave a time namespace. The fresh thread starts in the home
// namespaces (Go creates threads for locked goroutines from a clean template
// thread), enters every kind of target away from home, and takes over the
// work queue; this thread then returns from loop and Go ends it. If the
// fresh thread fails, it ends instead and nothing changed.
func (c *Context) respawn(target [NumKinds]*Handle, cwd int) error {
	if cwd < 0 {
		var err error
		if cwd, err = unix.Open(".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
			return fmt.Errorf("saving working directory: %w", plain(err))
		}
		defer unix.Close(cwd)
	}
	// Kinds target leaves alone stay where they are now.
	now, err := c.save()
	if err != nil {
		return err
	}
	defer now.close()
	newPID := now.newPID && target[PID] == nil
	for k, h := range now.ns {
		if target[k] == nil && h != nil {
			target[k] = h
		}
	}
	var cur [NumKinds]ID
	ready := make(chan error)
	start := make(chan struct{})
	go c.loop(ready, func() error {
		for k, h := range c.home {
			cur[k] = h.id
		}
		for _, k := range joinOrder {
			h := target[k]
			if h == nil || h.id == cur[k] {
				continue
			}
			if err := unix.Setns(h.fd, k.Flag()); err != nil {
				return kindError(k, err)
			}
			cur[k] = h.id
		}
		if newPID {
			if err := unix.Unshare(unix.CLONE_NEWPID); err != nil {
				return kindError(PID, err)
			}
			cur[PID] = ID{}
		}
		return fchdir(cwd)
	}, start)
	if err := <-ready; err != nil {
		return err
	}
	c.cur = cur
	c.owner = new(byte)
	close(start)
	return nil
}

// Drop discards the entry saved last without returning to it.
func (c *Context) Drop() error {
	return c.Do(func() error {
		if len(c.stack) == 0 {
			return ErrEmptyStack
		}
		c.stack[len(c.stack)-1].close()
		c.stack = c.stack[:len(c.stack)-1]
		return nil
	})
}
