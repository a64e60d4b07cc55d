package sdk

import (
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// stdoutPipe carries what the plugin writes on os.Stdout (fmt.Println, a
// library that prints) to the running call's stdout, in order with what
// it writes on Call.Stdout; between calls to its stderr, which nsh keeps
// in the plugin's log. (go-plugin would carry it on a stream of its own
// that nsh cannot order with the call's output.)
type stdoutPipe struct {
	rc    syscall.RawConn // the read end (never r.Fd(): that makes it blocking)
	mu    sync.Mutex      // held while a chunk is read and passed on
	w     io.Writer       // the running call's stdout, nil between calls
	other io.Writer
}

// captureStdout makes os.Stdout a pipe that the plugin forwards; nil if
// it cannot (os.Stdout is then go-plugin's).
func captureStdout(other io.Writer) *stdoutPipe {
	r, w, err := os.Pipe()
	if err != nil {
		return nil
	}
	rc, err := r.SyscallConn()
	if err != nil {
		return nil
	}
	p := &stdoutPipe{rc: rc, other: other}
	os.Stdout = w
	go p.forward(r)
	return p
}

func (p *stdoutPipe) forward(r *os.File) {
	defer r.Close()
	buf := make([]byte, 32<<10)
	for {
		var n int
		var rerr error
		// Waited for by Go's poller (a blocking poll(2) would hold the one
		// P, GOMAXPROCS=1, until sysmon takes it back: milliseconds), and
		// read under the lock, so that drain, seeing the pipe empty, knows
		// that nothing is on its way either.
		err := p.rc.Read(func(fd uintptr) bool {
			p.mu.Lock()
			defer p.mu.Unlock()
			n, rerr = unix.Read(int(fd), buf)
			if n > 0 {
				if p.w != nil {
					p.w.Write(buf[:n])
				} else {
					p.other.Write(buf[:n])
				}
			}
			return rerr != unix.EAGAIN
		})
		if err != nil || rerr != nil && rerr != unix.EINTR || n == 0 && rerr == nil {
			return
		}
	}
}

func (p *stdoutPipe) attach(w io.Writer) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.w = w
	p.mu.Unlock()
}

// flush waits until what the plugin wrote on os.Stdout so far has been
// passed on, so that a write on Call.Stdout or Call.Stderr comes after it.
func (p *stdoutPipe) flush() { p.drain(10*time.Millisecond, false) }

// detach waits until what the call wrote on os.Stdout has been passed on
// (a child process still writing is given 100 ms), then sends the rest
// to other.
func (p *stdoutPipe) detach() { p.drain(100*time.Millisecond, true) }

func (p *stdoutPipe) drain(wait time.Duration, detach bool) {
	if p == nil {
		return
	}
	for deadline := time.Now().Add(wait); ; time.Sleep(20 * time.Microsecond) {
		p.mu.Lock()
		n, err := 0, error(nil)
		if cerr := p.rc.Control(func(fd uintptr) { n, err = unix.IoctlGetInt(int(fd), unix.TIOCINQ) }); cerr != nil { // FIONREAD
			err = cerr
		}
		done := err != nil || n == 0 || time.Now().After(deadline)
		if done && detach {
			p.w = nil
		}
		p.mu.Unlock()
		if done {
			return
		}
	}
}
