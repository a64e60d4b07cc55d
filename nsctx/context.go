package nsctx

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// Context is the shell's current namespace context. All of its methods may
// be called from any goroutine: the namespace work itself always runs on the
// context's locked thread, one piece at a time.
type Context struct {
	work chan func()
	done chan struct{} // closed by Close

	// Owned by the context thread; read elsewhere only through Do.
	home    [nsfs.NumKinds]*nsfs.Handle
	homeCwd int // O_PATH fd of the working directory at start
	cur     [nsfs.NumKinds]nsfs.ID
	stack   []*frame
	closed  bool         // Close ran: the loop ends
	long    bool         // the last work was long: do not poll for the next
	tid     atomic.Int64 // the thread serving work (see Run)

	// gen counts the work done on the thread that may have changed the
	// context; Status answers from its cache while gen has not moved, so
	// a prompt or a plugin call asks the thread nothing when nothing
	// happened.
	gen      atomic.Uint64
	statusMu sync.Mutex
	status   Status
	statusAt uint64 // gen of status, plus one (0: none)

	// The namespaces the thread cannot be in (see via.go): programs are
	// started in them through the helper. nil: the thread's own.
	via   viaState
	inits map[nsfs.ID]*initProc // the pid namespace inits nsh started
	holds []*hold               // saved contexts that keep inits (pidinit.go)
	pins  pinCache

	made madePins // the pins this context made (see Unpin)

	parentHold *hold // a Fork's hold on its parent's pid namespaces

	// The companion mount namespace (sysview.go): comp is the one the
	// thread made for network namespace compNet; sysNet and sysMnt are
	// where the thread was when syncSys last looked.
	comp, compNet  nsfs.ID
	sysNet, sysMnt nsfs.ID
	noSys          atomic.Bool
	noSysOnce      atomic.Bool
	plainNet       nsfs.ID // entered with SkipSysView: no companion for it
	// mntJoined: the last change of network namespace named the mount
	// namespace too (setns -t PID, a container): no companion then.
	mntJoined bool
}

// frame is a saved context: a handle for every kind that differed from
// home (nil otherwise) and the working directory.
type frame struct {
	ns  [nsfs.NumKinds]*nsfs.Handle
	cwd int
	via viaState
	// The companion mount namespace the context was in, if any, and the
	// network namespace it goes with.
	comp, compNet nsfs.ID
	mntJoined     bool
}

// dup is a copy of f with descriptors of its own.
func (f *frame) dup() (*frame, error) {
	g := &frame{cwd: -1, comp: f.comp, compNet: f.compNet, mntJoined: f.mntJoined}
	for k, h := range f.ns {
		if h == nil {
			continue
		}
		d, err := h.Dup()
		if err != nil {
			g.close()
			return nil, err
		}
		g.ns[k] = d
	}
	cwd, err := unix.FcntlInt(uintptr(f.cwd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		g.close()
		return nil, fmt.Errorf("saving working directory: %w", nsfs.Plain(err))
	}
	g.cwd = cwd
	if g.via, err = f.via.dup(); err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

func (f *frame) close() {
	for _, h := range f.ns {
		h.Close()
	}
	unix.Close(f.cwd)
	f.via.close()
}

// New starts the context thread. Home is taken from that thread as it is at
// start (never from pid 1, which may not be readable).
func New() (*Context, error) {
	c := &Context{work: make(chan func(), 1), done: make(chan struct{})}
	ready := make(chan error)
	go c.loop(ready, c.openHome)
	if err := <-ready; err != nil {
		return nil, err
	}
	return c, nil
}

// warmPidfd makes Go check its pidfd support now. The check (run once per
// process, on first use by os.StartProcess or os.FindProcess) forks a child
// that exits at once; made from the context thread right after unshare pid,
// that child would be the new namespace's init, and the namespace would die
// with it before nsh's own init or program could be started. It is called
// from the caller's goroutine (home namespaces) before the first unshare of
// pid, not at start, where the extra fork would slow every nsh down.
func warmPidfd() {
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		p.Release()
	}
}

// loop is the body of a context thread. It locks the goroutine to its thread
// for good: when loop returns, Go ends the thread with it, so a thread whose
// namespaces changed is never reused. setup runs on the thread before it
// reports ready.
func (c *Context) loop(ready chan<- error, setup func() error) {
	runtime.LockOSThread()
	if unix.Gettid() == unix.Getpid() {
		// The main thread, where a goroutine started early usually lands.
		// It must not be the context's: /proc/PID/ns of nsh (what lsns,
		// ps and nsenter -t read) shows the main thread's namespaces, and
		// Go never ends the main thread, so one the context left would
		// keep its namespaces alive until nsh exits. While this
		// goroutine holds the main thread, the new one runs on another;
		// this one changed nothing, so it may let go.
		locked := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			close(locked)
			c.serve(ready, setup)
		}()
		<-locked
		runtime.UnlockOSThread()
		return
	}
	c.serve(ready, setup)
}

// serve is loop on a locked thread that is not the main one.
func (c *Context) serve(ready chan<- error, setup func() error) {
	// CLONE_FS: setns(mnt) refuses a thread that shares its fs_struct, and
	// it makes the working directory this thread's own.
	err := unix.Unshare(unix.CLONE_FS)
	if err == nil {
		err = setup()
	}
	ready <- err
	if err != nil {
		return
	}
	c.tid.Store(int64(unix.Gettid()))
	for {
		fn, ok := c.receive(c.long)
		if !ok {
			return
		}
		fn()
		if c.closed {
			return
		}
	}
}

func (c *Context) openHome() error {
	for _, k := range nsfs.Kinds() {
		h, err := nsfs.OpenProcess(0, k)
		if err != nil && (k == nsfs.PID || k == nsfs.Time) {
			// A thread whose *_for_children namespace has no process yet
			// (nsh started right after unshare -p without -f).
			h, err = nsfs.OpenSelf(k.String())
		}
		if err != nil {
			c.closeHome()
			return fmt.Errorf("opening home namespace: %w", err)
		}
		c.home[k] = h
		c.cur[k] = h.ID()
	}
	c.sysNet, c.sysMnt = c.cur[nsfs.Net], c.cur[nsfs.Mnt]
	cwd, err := unix.Open(".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		c.closeHome()
		return fmt.Errorf("opening working directory: %w", err)
	}
	c.homeCwd = cwd
	return nil
}

func (c *Context) closeHome() {
	for i, h := range c.home {
		h.Close()
		c.home[i] = nil
	}
}

// Do runs fn on the context thread and returns its error. fn must not start
// goroutines that expect to run in the context's namespaces: they do not.
func (c *Context) Do(fn func() error) error { return c.do(fn, false, false) }

// doLong is Do for work that takes long, such as starting a program: no
// polling on either side (see handoff.go).
func (c *Context) doLong(fn func() error) error { return c.do(fn, true, false) }

// view is Do for work that only looks: it leaves the generation alone.
func (c *Context) view(fn func() error) error { return c.do(fn, false, true) }

// do hands fn to the thread. Unless readOnly, the context's generation
// goes up once fn is done: any work may have changed where it is.
func (c *Context) do(fn func() error, long, readOnly bool) error {
	if c.onThread() {
		// The shell itself runs on the thread (Run): no hand-off.
		err := fn()
		if !readOnly {
			c.changed()
		}
		return err
	}
	errc := make(chan error, 1)
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	select {
	case c.work <- func() {
		c.long = long
		err := fn()
		if !readOnly {
			c.changed()
		}
		errc <- err
	}:
	case <-c.done:
		return ErrClosed
	}
	return c.wait(errc, long)
}

// changed follows work that may have moved the context: the generation
// goes up, and inits nothing reaches any more are let go.
func (c *Context) changed() {
	c.gen.Add(1)
	c.releaseInits()
}

// onThread reports whether the caller runs on the thread that serves the
// context's work.
func (c *Context) onThread() bool { return int64(unix.Gettid()) == c.tid.Load() }

// OnThread reports whether the caller runs on the context thread (inside
// Run), where Do runs inline.
func (c *Context) OnThread() bool { return c.onThread() }

// Run runs fn on the context thread, where every Do that fn makes runs at
// once, with no hand-off between threads. That hand-off costs a thread
// wake-up, and on virtual machines a wake-up across CPUs takes tens to
// hundreds of microseconds: far more than a setns or a fork. nsh runs a
// script this way.
//
// While fn runs, other goroutines' requests wait: fn must not wait for
// anything that needs the thread, except inside Off, which serves them.
func (c *Context) Run(fn func()) error {
	return c.doLong(func() error { fn(); return nil })
}

// Off runs fn on a goroutine of its own while the context thread serves
// other goroutines' requests, until fn returns. A shell running on the
// thread (Run) uses it for commands that wait on other goroutines which may
// need the thread themselves: pipelines, jobs, plugins. Called elsewhere,
// it just runs fn.
func (c *Context) Off(fn func()) {
	if !c.onThread() {
		fn()
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	for {
		select {
		case <-done:
			return
		case w := <-c.work:
			w()
		}
	}
}

// Close ends the context thread and releases every handle. Programs already
// started keep running, except in pid namespaces whose init nsh started:
// those inits exit, which ends their namespaces.
func (c *Context) Close() error {
	var inits map[nsfs.ID]*initProc
	err := c.Do(func() error {
		closeFrames(c.stack)
		c.stack = nil
		c.via.close()
		c.closeHome()
		unix.Close(c.homeCwd)
		c.pins.close()
		inits, c.inits = c.inits, nil
		c.closed = true // makes the loop return
		return nil
	})
	if c.parentHold != nil {
		c.parentHold.gone.Store(true)
	}
	if err == nil {
		close(c.done)
		stopInits(inits)
	}
	return err
}

// Status is a snapshot of the context, for display.
type Status struct {
	Home   [nsfs.NumKinds]nsfs.ID
	Cur    [nsfs.NumKinds]nsfs.ID // zero for a new pid namespace with no process yet
	Depth  int                    // entries on the push stack
	Cwd    string
	CwdErr error
}

// Differs reports whether kind k is not at home.
func (s *Status) Differs(k nsfs.Kind) bool { return s.Cur[k] != s.Home[k] }

// Pending reports whether k is a new namespace that has no process yet
// (only pid: its namespace exists once the first child is started).
func (s *Status) Pending(k nsfs.Kind) bool { return s.Cur[k].IsZero() }

// Status returns where the context is.
func (c *Context) Status() (Status, error) {
	c.statusMu.Lock()
	defer c.statusMu.Unlock()
	if c.statusAt != 0 && c.statusAt-1 == c.gen.Load() {
		return c.status, nil
	}
	var s Status
	var at uint64
	err := c.view(func() error {
		at = c.gen.Load()
		for k, h := range c.home {
			s.Home[k] = h.ID()
		}
		for _, k := range nsfs.Kinds() {
			s.Cur[k] = c.effective(k)
		}
		s.Depth = len(c.stack)
		s.Cwd, s.CwdErr = c.getwd()
		return nil
	})
	if err == nil {
		c.status, c.statusAt = s, at+1
	}
	return s, err
}

func getwd() (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Getcwd(buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n-1]), nil
}

// Getwd is the context thread's working directory.
func (c *Context) Getwd() (string, error) {
	var wd string
	err := c.view(func() (err error) { wd, err = c.getwd(); return })
	return wd, err
}

// getwd is the context's working directory: the thread's, or the one kept
// for a mount namespace only programs enter (via.go).
func (c *Context) getwd() (string, error) {
	if c.via.ns[nsfs.Mnt] != nil {
		return c.via.cwd, nil
	}
	return getwd()
}

// Chdir changes the context thread's working directory, resolved in the
// context's mount namespace.
func (c *Context) Chdir(dir string) error {
	return c.Do(func() error {
		if c.via.ns[nsfs.Mnt] != nil {
			return c.viaChdir(dir)
		}
		if err := unix.Chdir(dir); err != nil {
			return nsfs.PathError(dir, err)
		}
		return nil
	})
}

// Home returns the home namespace of kind k. The handle stays owned by the
// context.
func (c *Context) Home(k nsfs.Kind) *nsfs.Handle { return c.home[k] }

var errNoProcessYet = errors.New("the new pid namespace has no process yet; spawn a program in it first")

// Open opens a namespace file on the context thread, so a relative path is
// taken from the context's working directory and mount namespace.
//
// In a mount namespace the thread is not in (via.go) a helper opens it
// there, in the context's pid namespace, so a pin made inside it or
// /proc/1 of a --mount-proc /proc is found.
func (c *Context) Open(path string) (*nsfs.Handle, error) {
	var h *nsfs.Handle
	err := c.Do(func() (err error) { h, err = c.open(path); return })
	return h, err
}

// open is Open on the thread.
func (c *Context) open(path string) (*nsfs.Handle, error) {
	if c.via.ns[nsfs.Mnt] == nil {
		return nsfs.Open(path)
	}
	r := c.via.request("open")
	r.fork = c.via.ns[nsfs.PID] != nil
	r.open = path
	res, err := helperRun(r)
	if he, ok := err.(*helperError); ok {
		return nil, nsfs.PathError(path, he.errno)
	}
	if err != nil {
		return nil, err
	}
	return res.ns[0], nil
}
