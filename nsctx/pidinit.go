package nsctx

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// initProc is the init nsh started for a pid namespace it made. nsh holds
// the write end of a pipe whose read end init polls. When nsh closes it (or
// exits), init exits at once and the kernel ends everything left in the
// namespace. While nsh cannot reach the namespace any more (releaseInits),
// it writes 'r' (released): init then exits as soon as it is the only
// process in its namespace; 'h' (held) takes that back.
type initProc struct {
	pid   int      // as nsh numbers it; 0 until reaped if the helper started it
	pidfd *os.File // nil without pidfds (Linux before 5.3)
	keep  *os.File
	held  bool
	done  chan struct{} // closed once init has ended and was reaped
	how   string        // how it ended, once nsh reaped it
}

// startInit runs the helper as the first process of the pid namespace the
// context thread has just unshared (the thread's pid_for_children), with a
// fresh /proc mounted by it when proc is set. Runs on the thread.
func (c *Context) startInit(proc bool) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := &exec.Cmd{Path: "nsh-init", Args: []string{"nsh-init"}, Env: []string{}}
	if _, err := runHelper(&initReq{proc: proc, keep: r}, cmd); err != nil {
		w.Close()
		return err
	}
	c.refresh(nsfs.PID)
	// nsh reaps it itself (watch), through a pidfd of its own: Go's
	// would be one more descriptor.
	pid := cmd.Process.Pid
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		fd = -1
	}
	cmd.Process.Release()
	c.addInit(c.cur[nsfs.PID], &initProc{pid: pid, keep: w}, fd)
	return nil
}

// trackInit follows an init the helper started with CLONE_PARENT: it is
// nsh's own child, so nsh can wait for it. The helper may run in a pid
// namespace nsh is not in (nested in the thread's), so its number for the
// init is not nsh's: nsh goes by the pidfd the helper sent, when it did.
func (c *Context) trackInit(id nsfs.ID, res *helperResult, keep *os.File) {
	ip := &initProc{keep: keep}
	if res.pidfd < 0 {
		ip.pid = res.pid
	}
	c.addInit(id, ip, res.pidfd)
}

func (c *Context) addInit(id nsfs.ID, ip *initProc, pidfd int) {
	ip.held, ip.done = true, make(chan struct{})
	if pidfd >= 0 && unix.SetNonblock(pidfd, true) == nil {
		ip.pidfd = os.NewFile(uintptr(pidfd), "pidfd")
	} else if pidfd >= 0 {
		unix.Close(pidfd)
	}
	ip.watch()
	if c.inits == nil {
		c.inits = map[nsfs.ID]*initProc{}
	}
	if old := c.inits[id]; old != nil {
		old.keep.Close()
	}
	c.inits[id] = ip
}

// watch reaps init when it ends, and its descriptors go with it. With a
// pidfd no thread waits while init runs: the pidfd waits in Go's poller
// and waitid(P_PIDFD) reaps. Without one, a goroutine blocks in wait4 on a
// thread of its own.
func (ip *initProc) watch() {
	end := func(how string) {
		ip.how = how
		ip.keep.Close()
		close(ip.done)
	}
	block := func() {
		var ws unix.WaitStatus
		for {
			_, err := unix.Wait4(ip.pid, &ws, 0, nil)
			if err == nil {
				end(waitHow(ws))
				return
			}
			if !errors.Is(err, unix.EINTR) {
				end("")
				return
			}
		}
	}
	if ip.pidfd == nil {
		go block()
		return
	}
	go func() {
		defer ip.pidfd.Close()
		rc, err := ip.pidfd.SyscallConn()
		if err == nil {
			err = rc.Read(func(fd uintptr) bool {
				pid, how, ok := reap(int(fd))
				if ok {
					ip.pid = pid
					end(how)
				}
				return ok
			})
		}
		if err != nil && ip.pid > 0 {
			block()
		}
	}()
}

// childInfo is siginfo_t as waitid fills it in for a child.
type childInfo struct {
	signo, errno, code, _ int32
	pid                   int32
	uid                   uint32
	status                int32
	_                     [100]byte
}

// reap reaps the process of a pidfd if it has ended: its pid (as nsh
// numbers it) and how it ended.
func reap(pidfd int) (pid int, how string, ok bool) {
	var ci childInfo
	err := unix.Waitid(unix.P_PIDFD, pidfd, (*unix.Siginfo)(unsafe.Pointer(&ci)), unix.WEXITED|unix.WNOHANG, nil)
	switch {
	case errors.Is(err, unix.EINTR), errors.Is(err, unix.EAGAIN), err == nil && ci.pid == 0:
		return 0, "", false // still running
	case err != nil:
		return 0, "", true // not nsh's to reap (ECHILD): gone for nsh
	}
	sig := unix.Signal(ci.status)
	const cldKilled, cldDumped = 2, 3 // si_code (CLD_EXITED is 1)
	switch ci.code {
	case cldKilled, cldDumped:
		return int(ci.pid), fmt.Sprintf("was killed by signal %d (%s)", int(sig), unix.SignalName(sig)), true
	}
	return int(ci.pid), fmt.Sprintf("exited with status %d", ci.status), true
}

func waitHow(ws unix.WaitStatus) string {
	if ws.Signaled() {
		return fmt.Sprintf("was killed by signal %d (%s)", int(ws.Signal()), unix.SignalName(ws.Signal()))
	}
	return fmt.Sprintf("exited with status %d", ws.ExitStatus())
}

// kill ends init at once (Close, when it does not go by itself).
func (ip *initProc) kill() {
	if ip.pidfd == nil {
		unix.Kill(ip.pid, unix.SIGKILL)
		return
	}
	// Through the pidfd, and while holding it: it cannot be closed (and
	// its number reused) meanwhile.
	if rc, err := ip.pidfd.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { unix.PidfdSendSignal(int(fd), unix.SIGKILL, nil, 0) })
	}
}

// ended reports whether init has ended.
func (ip *initProc) ended() bool {
	select {
	case <-ip.done:
		return true
	default:
		return false
	}
}

// hold tells init whether nsh can still reach its namespace.
func (ip *initProc) hold(held bool) {
	if held == ip.held {
		return
	}
	b := []byte("r")
	if held {
		b[0] = 'h'
	}
	if _, err := ip.keep.Write(b); err == nil {
		ip.held = held
	}
}

// A hold keeps the pid namespaces of contexts saved off the push stack
// (Save's, a Snapshot's) reachable until gone is set.
type hold struct {
	ids  []nsfs.ID
	gone atomic.Bool
}

// pidIDs appends the pid namespaces f would start programs in.
func (f *frame) pidIDs(ids []nsfs.ID) []nsfs.ID {
	if h := f.ns[nsfs.PID]; h != nil {
		ids = append(ids, h.ID())
	}
	if h := f.via.ns[nsfs.PID]; h != nil {
		ids = append(ids, h.ID())
	}
	return ids
}

// hold registers frames kept off the stack. Runs on the thread.
func (c *Context) hold(fs ...*frame) *hold {
	h := &hold{}
	for _, f := range fs {
		h.ids = f.pidIDs(h.ids)
	}
	c.holds = append(c.holds, h)
	return h
}

// reaches reports whether the context can still start a program in pid
// namespace id: it is the thread's or the helper's, or a frame on the
// stack or held elsewhere has it.
func (c *Context) reaches(id nsfs.ID) bool {
	if c.cur[nsfs.PID] == id || c.effective(nsfs.PID) == id {
		return true
	}
	for _, f := range c.stack {
		if slices.Contains(f.pidIDs(nil), id) {
			return true
		}
	}
	for _, h := range c.holds {
		if slices.Contains(h.ids, id) {
			return true
		}
	}
	return false
}

// releaseInits tells every init nsh started whether its namespace can
// still be reached, and forgets those that ended and cannot. Reach is
// what a program could still be started from: the context, its push
// stack, the contexts kept by Save and Snapshot, and pins in nsh's home
// mount namespace (a pin can be joined, by nsh or nsenter, only while the
// init lives). A released init does not end while other processes run in
// its namespace (a daemon started there, a stopped program): ending it
// would kill them, and setns -t could still join them. It runs after
// every change on the thread.
func (c *Context) releaseInits() {
	if len(c.inits) == 0 {
		return
	}
	c.holds = slices.DeleteFunc(c.holds, func(h *hold) bool { return h.gone.Load() })
	for id, ip := range c.inits {
		reached := c.reaches(id)
		if ip.ended() {
			if !reached {
				delete(c.inits, id)
			}
			continue
		}
		ip.hold(reached || c.pins.pinned(id))
	}
}

// pinCache knows which pid namespaces are pinned in nsh's home mount
// namespace. It reads mountinfo again only after the mount table changed,
// which the open file reports with POLLPRI: asking costs one poll(2) while
// nothing was mounted or unmounted.
type pinCache struct {
	f    *os.File // /proc/self/mountinfo: the main thread's, which is home
	pins map[uint64]bool
}

// pinned reports whether pid namespace id is pinned; when that cannot be
// read, it says yes (a leak is better than ending what may be used).
func (p *pinCache) pinned(id nsfs.ID) bool {
	changed := p.f == nil
	if p.f == nil {
		fd, err := unix.Openat(nsfs.HostProc(), "self/mountinfo", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return true
		}
		p.f = os.NewFile(uintptr(fd), "mountinfo")
	} else {
		pfd := []unix.PollFd{{Fd: int32(p.f.Fd()), Events: unix.POLLPRI}}
		n, err := unix.Poll(pfd, 0)
		changed = err != nil || n > 0
	}
	if changed {
		p.pins = nil
		_, err := p.f.Seek(0, 0)
		var pins []PinInfo
		if err == nil {
			pins, err = readPins(p.f)
		}
		if err != nil {
			p.close()
			return true
		}
		p.pins = map[uint64]bool{}
		for _, pin := range pins {
			if pin.Kind == nsfs.PID {
				p.pins[pin.Ino] = true
			}
		}
	}
	return p.pins[id.Ino]
}

func (p *pinCache) close() {
	if p.f != nil {
		p.f.Close()
		p.f = nil
	}
}

// checkInit says plainly when the init of the context's pid namespace,
// one nsh started, is gone: a fork into it would only fail with ENOMEM.
func (c *Context) checkInit() error {
	ip := c.inits[c.effective(nsfs.PID)]
	if ip == nil || !ip.ended() {
		return nil
	}
	how := ip.how
	if how == "" {
		how = "exited"
	}
	return &nsfs.Error{Kind: "pid", Err: fmt.Errorf("%w; its init (pid %d, started by nsh) %s", ErrPIDNoInit, ip.pid, how)}
}

// stopInits lets every init go and waits for them, so a closed context
// leaves no process behind. An init that does not go within a few seconds
// (stopped, say) is killed.
func stopInits(inits map[nsfs.ID]*initProc) {
	for _, ip := range inits {
		ip.keep.Close()
	}
	for _, ip := range inits {
		select {
		case <-ip.done:
		case <-time.After(3 * time.Second):
			ip.kill()
			<-ip.done
		}
	}
}
