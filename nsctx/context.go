package nsctx

import (
	"errors"
	"fmt"
	"os"
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
	wdGen    atomic.Uint64 // see WdGen
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
	if f.cwd >= 0 {
		unix.Close(f.cwd)
	}
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

// changed follows work that may have moved the context: the generation
// goes up, and inits nothing reaches any more are let go.
func (c *Context) changed() {
	c.gen.Add(1)
	c.releaseInits()
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
		s.Cur = c.curIDs()
		s.Depth = len(c.stack)
		s.Cwd, s.CwdErr = c.getwd()
		return nil
	})
	if err == nil {
		c.status, c.statusAt = s, at+1
	}
	return s, err
}

// curIDs is where the context is, kind by kind (Status.Cur). On the
// thread.
func (c *Context) curIDs() (ids [nsfs.NumKinds]nsfs.ID) {
	for _, k := range nsfs.Kinds() {
		ids[k] = c.effective(k)
	}
	return ids
}

func getwd() (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Getcwd(buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n-1]), nil
}

// WdGen changes whenever the working directory Getwd reports may have
// changed through the context (a chdir, another mount namespace, the
// helper's view of one). A caller that sees the same WdGen before and after
// some work knows Getwd would say what it said before, save for a rename
// made by someone else.
func (c *Context) WdGen() uint64 { return c.wdGen.Load() }

// wdMoved notes, on the thread, that the working directory may move.
func (c *Context) wdMoved() { c.wdGen.Add(1) }

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
		c.wdMoved()
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
	r := &openReq{helperAt: c.via.at(), path: path}
	r.fork = c.via.ns[nsfs.PID] != nil
	res, err := helperRun(r)
	if he, ok := err.(*helperError); ok {
		return nil, nsfs.PathError(path, he.errno)
	}
	if err != nil {
		return nil, err
	}
	return res.ns[0], nil
}
