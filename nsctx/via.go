package nsctx

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// viaState holds the namespaces of the context that its thread cannot be
// in: a user namespace (the kernel refuses it to a multithreaded process),
// whatever was made or joined after it (owned by it: without root the
// thread may not enter them, and keeping one rule for root and non-root
// keeps one code path), and a time namespace (made by the helper so that
// offsets can be written before anyone is in it; setns(time) is refused
// to the thread, as to any multithreaded process). Programs are started in them through the
// helper, which joins them before executing the program; new namespaces
// are made by the helper, which sends their fds back.
type viaState struct {
	ns       [nsfs.NumKinds]*nsfs.Handle
	uid, gid int      // ids of spawned programs in ns[User]; -1 leaves them
	cwd      string   // working directory inside ns[Mnt]
	root     *os.File // ns[Mnt]'s root directory, once Files needed it
}

func (v *viaState) close() {
	for i, h := range v.ns {
		h.Close()
		v.ns[i] = nil
	}
	if v.root != nil {
		v.root.Close()
		v.root = nil
	}
}

// setVia makes next the context's via namespaces, closing the old ones.
func (c *Context) setVia(next viaState) {
	if c.via.ns[nsfs.Mnt] != nil || next.ns[nsfs.Mnt] != nil {
		c.wdMoved() // getwd answers from via.cwd while there is one
	}
	c.via.close()
	c.via = next
}

func (v *viaState) active() bool {
	for _, h := range v.ns {
		if h != nil {
			return true
		}
	}
	return false
}

// dup returns a copy with handles of its own.
func (v *viaState) dup() (viaState, error) {
	d := *v
	d.root = nil // opened again when needed
	for k, h := range v.ns {
		if h == nil {
			continue
		}
		n, err := h.Dup()
		if err != nil {
			d.ns[k] = nil
			d.close()
			return viaState{}, err
		}
		d.ns[k] = n
	}
	return d, nil
}

// effective is the namespace of kind k that programs are started in.
func (c *Context) effective(k nsfs.Kind) nsfs.ID {
	if h := c.via.ns[k]; h != nil {
		return h.ID()
	}
	if k == nsfs.Mnt && !c.comp.IsZero() && c.cur[nsfs.Mnt] == c.comp {
		// The companion (sysview.go) is part of the network
		// namespace's view, not a place the user went.
		return c.home[nsfs.Mnt].ID()
	}
	return c.cur[k]
}

// needsVia reports whether a change to kinds must go through the helper.
func (c *Context) needsVia(k nsfs.Kind, id nsfs.ID) bool {
	switch {
	case c.via.ns[nsfs.User] != nil:
		return true
	case k == nsfs.User:
		return id != c.home[nsfs.User].ID()
	case k == nsfs.Time:
		return id != c.home[nsfs.Time].ID()
	}
	return false
}

// at is where a helper works for the context: in its via namespaces.
func (v *viaState) at() helperAt {
	a := helperAt{uid: -1, gid: -1}
	for _, h := range v.ns {
		if h != nil {
			a.join = append(a.join, h)
		}
	}
	if v.ns[nsfs.User] != nil {
		a.uid, a.gid = v.uid, v.gid
	}
	if v.ns[nsfs.Mnt] != nil {
		a.cwd = v.cwd
	}
	return a
}

// unshareVia makes new namespaces in the helper, inside the context's
// via namespaces, and takes them over. Runs on the thread.
func (c *Context) unshareVia(kinds []nsfs.Kind, flags int, o UnshareOptions) error {
	has := func(k nsfs.Kind) bool { return flags&k.Flag() != 0 }
	if has(nsfs.User) && c.via.ns[nsfs.User] != nil {
		return &nsfs.Error{Kind: "user", Err: fmt.Errorf("%w: a user namespace inside the context's user namespace", ErrUnsupported)}
	}
	if o.MountProc && !has(nsfs.PID) && (has(nsfs.User) || c.via.ns[nsfs.User] != nil) {
		return &nsfs.Error{Kind: "mnt", Err: fmt.Errorf("--mount-proc in a user namespace needs a new pid namespace with it (unshare pid --mount-proc)")}
	}
	if o.MountProc && !has(nsfs.PID) && c.effective(nsfs.PID) != c.home[nsfs.PID].ID() {
		return &nsfs.Error{Kind: "mnt", Err: fmt.Errorf("--mount-proc here needs the pid namespace with it (unshare pid --mount-proc)")}
	}
	r := &makeReq{helperAt: c.via.at()}
	if has(nsfs.PID) && c.via.ns[nsfs.PID] != nil {
		// The kernel makes a new pid namespace only from the caller's
		// own (EINVAL after setns(pid)): leave the context's out, so
		// the new one is its sibling, as on the thread.
		join := r.join[:0:0]
		for _, h := range r.join {
			if h.Kind() != nsfs.PID {
				join = append(join, h)
			}
		}
		r.join = join
	}
	r.unshare = flags
	r.send = kinds
	r.proc = o.MountProc
	if has(nsfs.Mnt) && o.Prop != PropUnchanged {
		r.prop = o.Prop.flags()
	}
	if has(nsfs.Time) {
		r.mono, r.boot = o.Monotonic, o.Boottime
	}
	if has(nsfs.User) && o.User != nil {
		r.maps = o.User.write
	}
	var keepW *os.File
	if has(nsfs.PID) {
		var err error
		var keepR *os.File
		if keepR, keepW, err = os.Pipe(); err != nil {
			return err
		}
		defer keepR.Close()
		r.keep = keepR
	}
	res, err := helperRun(r)
	if err != nil {
		if keepW != nil {
			keepW.Close()
		}
		return c.viaError(kinds, err)
	}
	next, err := c.via.dup()
	if err != nil {
		for _, h := range res.ns {
			h.Close()
		}
		if keepW != nil {
			keepW.Close() // the init exits
			unix.Close(res.pidfd)
		}
		return err
	}
	for i, k := range kinds {
		next.ns[k].Close()
		next.ns[k] = res.ns[i]
	}
	if has(nsfs.User) {
		next.uid, next.gid = -1, -1
		if o.User != nil {
			next.uid, next.gid = o.User.RunUID, o.User.RunGID
		}
	}
	if has(nsfs.Mnt) && c.via.ns[nsfs.Mnt] == nil {
		next.cwd, _ = getwd() // the helper's copy starts where the thread is
	}
	c.setVia(next)
	if has(nsfs.PID) {
		c.trackInit(next.ns[nsfs.PID].ID(), res, keepW)
	}
	return nil
}

// viaError words a helper's failure like the thread's own.
func (c *Context) viaError(kinds []nsfs.Kind, err error) error {
	if he, ok := err.(*helperError); ok {
		return unshareError(kinds, fmt.Errorf("%s: %w", he.what, nsfs.Plain(he.errno)))
	}
	return unshareError(kinds, err)
}

// joinVia makes target (nil entries: unchanged) the context's via
// namespaces, after a helper proved that a program can enter them all.
// Runs on the thread.
func (c *Context) joinVia(target [nsfs.NumKinds]*nsfs.Handle) error {
	next, err := c.via.dup()
	if err != nil {
		return err
	}
	for k, h := range target {
		if h == nil {
			continue
		}
		next.ns[k].Close()
		next.ns[k] = nil
		if h.ID() == c.cur[k] {
			continue // the thread is there: nothing to enter
		}
		if next.ns[k], err = h.Dup(); err != nil {
			next.close()
			return err
		}
		switch nsfs.Kind(k) {
		case nsfs.User:
			next.uid, next.gid = 0, 0 // as nsenter gives
		case nsfs.Mnt:
			next.cwd = "/" // setns(mnt) starts at its root
		}
	}
	if next.active() {
		if _, err := helperRun(&checkReq{next.at()}); err != nil {
			next.close()
			if he, ok := err.(*helperError); ok {
				what, _ := strings.CutPrefix(he.what, "setns ")
				return &nsfs.Error{Kind: what, Err: nsfs.Plain(he.errno)}
			}
			return err
		}
	}
	c.setVia(next)
	return nil
}

// viaChdir changes the directory programs start in, inside a mount
// namespace the thread is not in; a helper checks that it exists there.
func (c *Context) viaChdir(dir string) error {
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(c.via.cwd, dir)
	}
	dir = filepath.Clean(dir)
	r := &checkReq{c.via.at()}
	r.cwd = dir
	if _, err := helperRun(r); err != nil {
		if he, ok := err.(*helperError); ok {
			return nsfs.PathError(dir, he.errno)
		}
		return err
	}
	c.via.cwd = dir
	c.wdMoved()
	return nil
}

// startVia starts cmd through the helper, which enters the via namespaces
// and executes the program; cmd keeps its streams, environment and
// SysProcAttr. With a pid namespace to enter, the program is the helper's
// child (setns(pid) applies to children only) and the helper waits for it
// and ends as it does. Runs on the thread.
func (c *Context) startVia(cmd *exec.Cmd) error {
	name := cmd.Path
	file := name
	if c.via.ns[nsfs.Mnt] == nil && !strings.Contains(name, "/") {
		p, err := lookPath(name, envPath(cmd.Env))
		if err != nil {
			return &nsfs.Error{Path: name, Err: err}
		}
		file = p
	}
	r := &execReq{c.via.at()}
	r.fork = c.via.ns[nsfs.PID] != nil
	args := cmd.Args
	argv := args
	if len(argv) == 0 {
		argv = []string{name}
	}
	cmd.Args = append([]string{file}, argv...)
	_, err := runHelper(r, cmd)
	cmd.Args = args
	if err == nil {
		return nil
	}
	if he, ok := err.(*helperError); ok {
		if he.what == "exec" || he.what == "fork" {
			return c.startError(name, he.errno)
		}
		return &nsfs.Error{Path: name, Err: fmt.Errorf("%s: %w", he.what, withHint(nsfs.Plain(he.errno)))}
	}
	// The helper itself did not start: worded as a direct start's
	// failure (a setpgid refused in the child reads as ErrPermission).
	return c.startError(name, err)
}

// Files runs fn on the context thread with the files as the context sees
// them, for nsh's own file work: redirections, source, patterns and
// completion. Usually that is the thread's view. In a mount namespace the
// thread is not in (after unshare user), paths resolve from that
// namespace's root directory, opened once by a helper inside, with
// openat2(RESOLVE_IN_ROOT): lookups cross that namespace's mounts, and an
// absolute symbolic link stays inside it. A relative path is taken from
// the context's working directory.
func (c *Context) Files(fn func(fs FS) error) error {
	return c.view(func() error {
		if c.via.ns[nsfs.Mnt] == nil {
			return fn(HereFS)
		}
		root, err := c.viaRoot()
		if err != nil {
			return err
		}
		return fn(FS{dir: int(root.Fd()), cwd: c.via.cwd})
	})
}

// viaRoot is the root directory of the via mount namespace, opened by a
// helper inside it (in its pid namespace too, for a --mount-proc /proc).
func (c *Context) viaRoot() (*os.File, error) {
	if c.via.root != nil {
		return c.via.root, nil
	}
	f, err := c.viaOpen("/")
	if err != nil {
		return nil, fmt.Errorf("opening the context's root directory: %w", err)
	}
	c.via.root = f
	return f, nil
}

// viaOpen opens path for reading in the via namespaces, through a helper
// (in their pid namespace too: /proc/self of a --mount-proc /proc).
func (c *Context) viaOpen(path string) (*os.File, error) {
	r := &openReq{helperAt: c.via.at(), path: path, raw: true}
	r.fork = c.via.ns[nsfs.PID] != nil
	res, err := helperRun(r)
	if he, ok := err.(*helperError); ok {
		return nil, nsfs.Plain(he.errno)
	}
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(res.fd), path), nil
}
