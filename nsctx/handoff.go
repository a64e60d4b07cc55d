package nsctx

import (
	"runtime"
	"time"
)

// Handing work to a locked thread costs two thread wake-ups when either
// side sleeps on the channel: tens of microseconds on a busy machine, more
// than the namespace syscalls themselves. A script that hops in a loop sends
// the next request within microseconds, so both sides first poll for a
// short while (spinFor) before they block. An idle shell pays one short
// spin per command. With a single P, a spinning locked thread would only
// keep the other side from running, so there is no spinning then.
const spinFor = 50 * time.Microsecond

var spin = runtime.GOMAXPROCS(0) > 1

// receive takes the next piece of work for the context thread.
func (c *Context) receive() (func(), bool) {
	if fn, ok := poll(c.work); ok {
		return fn, true
	}
	fn, ok := <-c.work
	return fn, ok
}

// wait returns the result of a request handed to the thread, or
// ErrClosed if the context closed before it ran (the work channel is
// buffered, so a send alone does not prove that anyone will take it).
func (c *Context) wait(errc chan error) error {
	if err, ok := poll(errc); ok {
		return err
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
