package nsctx

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// The context thread. One goroutine (loop, serve) locks itself to an OS
// thread for the life of the Context and runs every piece of namespace work,
// one at a time, so that the namespaces it changes are never seen by any
// other goroutine:
//
//   - Work reaches the thread as a func on c.work: Do (and doLong, view)
//     sends it and waits for its error. Neither side sleeps at once for
//     short work: both poll for a moment first (spinFor), since a thread
//     wake-up costs more than a setns.
//   - Run puts a caller (the shell running a script) on the thread itself:
//     the Do calls it makes then run inline, with no hand-off at all.
//   - Off hands a stretch of that caller's work off the thread: it runs on
//     a goroutine of its own while the thread goes back to serving c.work,
//     for work that waits on other goroutines which may need the thread
//     (pipelines, jobs, plugins).
//
// Goroutines started from the thread run at home, never in the context's
// namespaces: a locked thread runs no goroutine but its own, so theirs run
// on other threads, and Go never clones a new thread from a locked one
// (a new thread inherits the namespaces of the thread that creates it): it
// has its template thread, which the first LockOSThread started before its
// caller could change anything, create the new one. So code on the thread
// must never expect a goroutine it starts to see the context
// (TestOtherGoroutinesStayHome checks that none does).

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

// Do runs fn on the context thread and returns its error. fn must not start
// goroutines that expect to run in the context's namespaces: they do not
// (see the top of this file). On the thread itself (inside Run) fn runs at
// once.
func (c *Context) Do(fn func() error) error { return c.do(fn, false, false) }

// doLong is Do for work that takes long, such as starting a program: no
// polling on either side (see spinFor).
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
// need the thread themselves: pipelines, jobs, plugins. fn's own Do calls
// reach the thread as any goroutine's do, through c.work. Called elsewhere,
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

// Handing work to a locked thread costs two thread wake-ups when either
// side sleeps on the channel: tens of microseconds on a busy machine, more
// than the namespace syscalls themselves. A script that hops in a loop sends
// the next request within microseconds, so both sides first poll for a
// short while (spinFor) before they block. An idle shell pays one short
// spin per command. With a single P, a spinning locked thread would only
// keep the other side from running, so there is no spinning then.
//
// Work that takes long (starting a program) is followed by a long gap (the
// program runs), and spinning then would only take a CPU from the program:
// after such work the thread does not poll, nor does the caller wait for
// it by polling (doLong).
const spinFor = 50 * time.Microsecond

var spin = runtime.GOMAXPROCS(0) > 1

// receive takes the next piece of work for the context thread; after long
// work it blocks at once.
func (c *Context) receive(long bool) (func(), bool) {
	if !long {
		if fn, ok := poll(c.work); ok {
			return fn, true
		}
	}
	fn, ok := <-c.work
	return fn, ok
}

// wait returns the result of a request handed to the thread, or
// ErrClosed if the context closed before it ran (the work channel is
// buffered, so a send alone does not prove that anyone will take it).
func (c *Context) wait(errc chan error, long bool) error {
	if !long {
		if err, ok := poll(errc); ok {
			return err
		}
	}
	select {
	case err := <-errc:
		return err
	case <-c.done:
		select {
		case err := <-errc:
			return err
		default:
			return ErrClosed
		}
	}
}

// poll tries ch without blocking for up to spinFor.
func poll[T any](ch chan T) (T, bool) {
	if !spin {
		var zero T
		return zero, false
	}
	var deadline time.Time
	for i := 0; ; i++ {
		select {
		case v := <-ch:
			return v, true
		default:
		}
		if i&63 == 63 {
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(spinFor)
			} else if now.After(deadline) {
				var zero T
				return zero, false
			}
		}
	}
}
