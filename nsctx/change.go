package nsctx

import (
	"errors"
	"fmt"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// joinOrder is the order in which kinds are entered: mnt last, since after
// it paths resolve in the new mount namespace (nsenter does the same).
var joinOrder = [...]nsfs.Kind{nsfs.Cgroup, nsfs.IPC, nsfs.UTS, nsfs.Net, nsfs.PID, nsfs.Time, nsfs.Mnt}

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

// UnshareOptions are the details of an unshare beyond the kinds.
type UnshareOptions struct {
	Prop Propagation // for mnt
	// User maps a new user namespace; nil leaves it unmapped (programs
	// in it run as the overflow id, nobody), as util-linux does.
	User *UserMaps
	// MountProc mounts a fresh /proc in the new mount namespace (mnt is
	// implied): with pid, the pid namespace's own, shown by ps.
	MountProc bool
	// Monotonic and Boottime are the offsets, in seconds, of a new time
	// namespace's clocks.
	Monotonic, Boottime int64
}

// Unshare gives the context new namespaces of the given kinds (see
// UnshareWith), with default options but the propagation.
func (c *Context) Unshare(kinds []nsfs.Kind, prop Propagation) error {
	return c.UnshareWith(kinds, UnshareOptions{Prop: prop})
}

// UnshareWith gives the context new namespaces of the given kinds, all in
// one step, so either every kind is new afterwards or none is. On the
// thread that is one unshare(2); for mnt the new tree's propagation is then
// set, and for pid nsh starts the namespace's init; if either fails the
// context is put back as it was. A user namespace, anything made after one,
// and a time namespace are made by the helper instead (via.go).
func (c *Context) UnshareWith(kinds []nsfs.Kind, o UnshareOptions) error {
	flags := 0
	for _, k := range kinds {
		flags |= k.Flag()
	}
	if o.MountProc && flags&unix.CLONE_NEWNS == 0 {
		kinds = append(kinds[:len(kinds):len(kinds)], nsfs.Mnt)
		flags |= unix.CLONE_NEWNS
	}
	offsets := o.Monotonic != 0 || o.Boottime != 0
	if offsets && flags&unix.CLONE_NEWTIME == 0 {
		return &nsfs.Error{Kind: "time", Err: errors.New("--monotonic and --boottime go with a new time namespace (unshare time)")}
	}
	if o.User != nil && flags&unix.CLONE_NEWUSER == 0 {
		return &nsfs.Error{Kind: "user", Err: errors.New("id maps go with a new user namespace (unshare user)")}
	}
	if flags == 0 {
		return nil
	}
	if flags&unix.CLONE_NEWPID != 0 {
		warmPidfd()
	}
	return c.Do(func() error {
		hint := rootHint
		if flags&unix.CLONE_NEWUSER != 0 || c.via.ns[nsfs.User] != nil {
			hint = "" // the advice would be what failed, or done already
		}
		// A kind the context has through the helper is made again
		// inside it by the helper: made on the thread, it would be
		// hidden behind the helper's (or, for pid, break every start).
		via := flags&(unix.CLONE_NEWUSER|unix.CLONE_NEWTIME) != 0 || c.via.ns[nsfs.User] != nil
		for _, k := range kinds {
			via = via || c.via.ns[k] != nil
		}
		if via {
			return addHint(c.unshareVia(kinds, flags, o), hint)
		}
		return addHint(c.unshareThread(kinds, flags, o), hint)
	})
}

func (c *Context) unshareThread(kinds []nsfs.Kind, flags int, o UnshareOptions) error {
	newPID := flags&unix.CLONE_NEWPID != 0
	if o.MountProc && !newPID && c.effective(nsfs.PID) != c.home[nsfs.PID].ID() {
		return &nsfs.Error{Kind: "mnt", Err: errors.New("--mount-proc here needs the pid namespace with it (unshare pid --mount-proc)")}
	}
	var prev *frame
	if newPID || (flags&unix.CLONE_NEWNS != 0 && o.Prop != PropUnchanged) {
		var err error
		if prev, err = c.save(); err != nil {
			return err
		}
		defer prev.close()
	}
	if newPID && !helperLinked {
		return &nsfs.Error{Kind: "pid", Err: fmt.Errorf("cannot start the namespace's init: %w", errNoHelper)}
	}
	undo := func(err error) error {
		if rerr := c.restore(prev, true); rerr != nil {
			return fmt.Errorf("%v; rolling back failed too: %v", err, rerr)
		}
		return err
	}
	if newPID && c.cur[nsfs.PID] != c.home[nsfs.PID].ID() {
		// The kernel makes a new pid namespace only from the thread's own
		// (EINVAL otherwise): go back to it first, so the new one is a
		// sibling of the context's, not nested in it.
		if err := unix.Setns(c.home[nsfs.PID].Fd(), unix.CLONE_NEWPID); err != nil {
			return nsfs.KindError(nsfs.PID, err)
		}
		c.cur[nsfs.PID] = c.home[nsfs.PID].ID()
	}
	c.wdMoved() // a new mount namespace shows the same directory, but be safe
	if err := unix.Unshare(flags); err != nil {
		err = unshareError(kinds, err)
		if prev != nil {
			return undo(err)
		}
		return err
	}
	for _, k := range kinds {
		c.refresh(k)
	}
	if flags&unix.CLONE_NEWNS != 0 && o.Prop != PropUnchanged {
		if err := unix.Mount("none", "/", "", o.Prop.flags(), ""); err != nil {
			return undo(fmt.Errorf("mnt: setting propagation of /: %w", nsfs.Plain(err)))
		}
	}
	if flags&unix.CLONE_NEWNET != 0 {
		c.mntJoined = false
		c.notePlain()
	}
	if flags&unix.CLONE_NEWNS != 0 {
		c.comp, c.compNet = nsfs.ID{}, nsfs.ID{}
		if flags&unix.CLONE_NEWNET != 0 && !c.noSys.Load() && !c.noSysOnce.Load() {
			// unshare net mnt: the new mount namespace is the user's
			// own, and gets its network namespace's /sys in it.
			remountSys()
		}
	}
	if newPID {
		// The namespace's first process: nsh's own init, so that every
		// later spawn joins the same namespace. It mounts /proc, being the
		// one in the namespace (procfs takes the mounter's pid namespace).
		if err := c.startInit(o.MountProc); err != nil {
			if he, ok := err.(*helperError); ok {
				err = fmt.Errorf("%s: %w", he.what, nsfs.Plain(he.errno))
			}
			return undo(&nsfs.Error{Kind: "pid", Err: err})
		}
	} else if o.MountProc {
		if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			return undo(fmt.Errorf("mnt: mounting /proc: %w", nsfs.Plain(err)))
		}
	}
	return nil
}

func unshareError(kinds []nsfs.Kind, err error) error {
	names := ""
	for i, k := range kinds {
		if i > 0 {
			names += " "
		}
		names += k.String()
	}
	return &nsfs.Error{Kind: names, Err: nsfs.Plain(err)}
}

// refresh reads the thread's current namespace of kind k. A new pid
// namespace has no file until its first process exists: its ID stays zero.
func (c *Context) refresh(k nsfs.Kind) {
	id, err := nsfs.SelfID(k.ProcName())
	if err != nil {
		id = nsfs.ID{}
	}
	c.cur[k] = id
}

// Join enters the namespaces of the given handles, all or nothing: on the
// first failure the kinds already changed are put back. Handles stay owned
// by the caller.
//
// A user namespace, and anything joined while the context has one, is
// joined through the helper (the thread cannot be in it): a helper proves
// that a program can enter them all, and programs started later do the same.
// Programs run there as uid and gid 0, as nsenter gives them.
func (c *Context) Join(hs ...*nsfs.Handle) error {
	var target [nsfs.NumKinds]*nsfs.Handle
	for _, h := range hs {
		target[h.Kind()] = h
	}
	return c.Do(func() error { return c.join(target) })
}

// JoinFile opens the namespace file at path in the context (so a relative
// path is taken from the context's working directory and mount namespace)
// and joins it, in one trip to the thread. With want >= 0, a file of
// another kind is refused.
func (c *Context) JoinFile(path string, want nsfs.Kind) error {
	return c.Do(func() error {
		h, err := c.open(path)
		if err != nil {
			return err
		}
		defer h.Close()
		if want >= 0 && h.Kind() != want {
			return &nsfs.Error{Path: path, Err: fmt.Errorf("%w: it is a %s namespace, not %s", nsfs.ErrWrongKind, h.Kind(), want)}
		}
		var target [nsfs.NumKinds]*nsfs.Handle
		target[h.Kind()] = h
		return c.join(target)
	})
}

// join is Join on the thread.
func (c *Context) join(target [nsfs.NumKinds]*nsfs.Handle) error {
	err := c.join1(target)
	if err == nil {
		return nil // the hint costs four syscalls: only for a failure
	}
	return addHint(err, c.joinHint(target))
}

// joinHint is what a caller without root could do when joining target is
// refused: join the user namespace that owns it (as nsenter -a does), or
// make one of their own.
func (c *Context) joinHint(target [nsfs.NumKinds]*nsfs.Handle) string {
	if target[nsfs.User] == nil {
		for _, h := range target {
			if h == nil {
				continue
			}
			fd, err := unix.IoctlRetInt(h.Fd(), unix.NS_GET_USERNS)
			if err != nil {
				continue
			}
			var st unix.Stat_t
			err = unix.Fstat(fd, &st)
			unix.Close(fd)
			if err == nil && (nsfs.ID{Dev: st.Dev, Ino: st.Ino}) != c.effective(nsfs.User) {
				return "it belongs to another user namespace: join that too (setns -t PID joins every kind, as nsenter -a does; or setns FILE user first)"
			}
		}
	}
	if c.via.ns[nsfs.User] != nil {
		return ""
	}
	return rootHint
}

func (c *Context) join1(target [nsfs.NumKinds]*nsfs.Handle) error {
	if target[nsfs.Net] != nil {
		c.mntJoined = target[nsfs.Mnt] != nil
		defer c.notePlain()
	}
	via := false
	for k, h := range target {
		if h != nil && c.needsVia(nsfs.Kind(k), h.ID()) {
			via = true
		}
	}
	if !via {
		// Kinds the context had through the helper are left by the
		// helper too: the thread takes over where it can.
		for k, h := range target {
			if h != nil && c.via.ns[k] != nil {
				via = true
			}
		}
	}
	if via {
		return c.joinVia(target)
	}
	return c.enter(target, -1)
}

// GoHome returns every kind to its home namespace. When the mount namespace
// changes, the working directory goes back to the one nsh started in.
func (c *Context) GoHome() error {
	return c.Do(func() error {
		cwd := -1
		if c.effective(nsfs.Mnt) != c.home[nsfs.Mnt].ID() || c.via.ns[nsfs.Mnt] != nil {
			cwd = c.homeCwd
		}
		wd := ""
		if cwd < 0 && c.cur[nsfs.Mnt] != c.home[nsfs.Mnt].ID() {
			// Leaving a companion (sysview.go): same files, and setns
			// would move the thread to /.
			wd, _ = getwd()
		}
		if err := c.enter(c.home, cwd); err != nil {
			return err
		}
		if wd != "" && unix.Chdir(wd) != nil {
			fchdir(c.homeCwd)
		}
		c.setVia(viaState{})
		return nil
	})
}

// Push saves the context on the stack.
func (c *Context) Push() error {
	return c.Do(func() error {
		f, err := c.save()
		if err != nil {
			return err
		}
		c.stack = append(c.stack, f)
		return nil
	})
}

// Save takes a snapshot of the context (namespaces, working directory,
// push stack); restore goes back to it, the stack included, whatever
// happened in between (a pop inside loses nothing). nsh runs a command
// substitution between the two, so that its commands can hop without
// moving the shell.
func (c *Context) Save() (restore func() error, err error) {
	f, stack, mask, h, err := c.saveAll()
	if err != nil {
		return nil, err
	}
	return func() error {
		defer f.close()
		return c.Do(func() error {
			h.gone.Store(true)
			closeFrames(c.stack)
			c.stack = stack
			threadUmask(mask) // (umask 077) stays in the subshell
			return c.restore(f, false)
		})
	}, nil
}

// saveAll saves the context, copies its push stack and reads its umask.
// What runs until the hold is let go (home, pop) does not end the inits of
// the pid namespaces saved.
func (c *Context) saveAll() (f *frame, stack []*frame, mask int, h *hold, err error) {
	err = c.Do(func() error {
		if f, err = c.save(); err != nil {
			return err
		}
		if stack, err = dupFrames(c.stack); err != nil {
			f.close()
			return err
		}
		mask = threadUmask(-1)
		h = c.hold(append(stack, f)...)
		return nil
	})
	return f, stack, mask, h, err
}

func closeFrames(fs []*frame) {
	for _, f := range fs {
		f.close()
	}
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
	for _, k := range nsfs.Kinds() {
		if c.cur[k] == c.home[k].ID() {
			continue
		}
		if c.cur[k].IsZero() {
			f.close()
			return nil, nsfs.KindError(k, errNoProcessYet)
		}
		h, err := nsfs.OpenProcess(0, k)
		if err != nil {
			f.close()
			return nil, err
		}
		f.ns[k] = h
	}
	cwd, err := unix.Open(".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		f.close()
		return nil, fmt.Errorf("saving working directory: %w", nsfs.Plain(err))
	}
	f.cwd = cwd
	if c.cur[nsfs.Mnt] == c.comp {
		f.comp, f.compNet = c.comp, c.compNet
	}
	f.mntJoined = c.mntJoined
	if f.via, err = c.via.dup(); err != nil {
		f.close()
		return nil, err
	}
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
	if keepCwd && target[nsfs.Mnt].ID() == c.cur[nsfs.Mnt] {
		cwd = -1
	}
	via, err := f.via.dup()
	if err != nil {
		return err
	}
	if err := c.enter(target, cwd); err != nil {
		via.close()
		return err
	}
	if !f.comp.IsZero() && c.cur[nsfs.Mnt] == f.comp {
		c.comp, c.compNet = f.comp, f.compNet
	}
	c.mntJoined = f.mntJoined
	c.setVia(via)
	return nil
}

// enter moves the thread to target (nil entries are left alone), then
// changes to the directory cwd (-1: leave it). Runs on the thread.
func (c *Context) enter(target [nsfs.NumKinds]*nsfs.Handle, cwd int) error {
	n := 0
	for k, h := range target {
		if h != nil && h.ID() != c.cur[k] {
			n++
		}
	}
	if t := target[nsfs.Time]; t != nil && t.ID() != c.cur[nsfs.Time] {
		// setns(time) is refused (EUSERS) to any multithreaded process,
		// so the thread never leaves home's: time namespaces are made and
		// entered by the helper (via.go).
		return &nsfs.Error{Kind: "time", Err: errors.New("the context thread cannot change its time namespace (the kernel refuses setns(time) to multithreaded processes)")}
	}
	if cwd >= 0 || target[nsfs.Mnt] != nil && target[nsfs.Mnt].ID() != c.cur[nsfs.Mnt] {
		c.wdMoved() // setns(mnt) moves the thread to the namespace's root
	}
	if n == 0 {
		return fchdir(cwd)
	}
	// To undo a partial change, remember where each kind was. With a single
	// kind there is nothing to undo, so skip the cost.
	var undo frame
	undo.cwd = -1
	defer undo.close()
	done := make([]nsfs.Kind, 0, n)
	for _, k := range joinOrder {
		h := target[k]
		if h == nil || h.ID() == c.cur[k] {
			continue
		}
		if n > 1 {
			if c.cur[k].IsZero() {
				return nsfs.KindError(k, errNoProcessYet)
			}
			prev, err := nsfs.OpenProcess(0, k)
			if err != nil {
				c.rollback(&undo, done)
				return err
			}
			undo.ns[k] = prev
		}
		if err := unix.Setns(h.Fd(), h.Kind().Flag()); err != nil {
			c.rollback(&undo, done)
			return nsfs.KindError(k, err)
		}
		c.cur[k] = h.ID()
		if k == nsfs.Mnt {
			// Whatever it is, not the companion (restore says so).
			c.comp, c.compNet = nsfs.ID{}, nsfs.ID{}
		}
		done = append(done, k)
	}
	if err := fchdir(cwd); err != nil {
		c.rollback(&undo, done)
		return err
	}
	return nil
}

func (c *Context) rollback(undo *frame, done []nsfs.Kind) {
	c.wdMoved()
	for i := len(done) - 1; i >= 0; i-- {
		k := done[i]
		if h := undo.ns[k]; h != nil && unix.Setns(h.Fd(), k.Flag()) == nil {
			c.cur[k] = h.ID()
		}
	}
}

func fchdir(fd int) error {
	if fd < 0 {
		return nil
	}
	if err := unix.Fchdir(fd); err != nil {
		return fmt.Errorf("restoring working directory: %w", nsfs.Plain(err))
	}
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
