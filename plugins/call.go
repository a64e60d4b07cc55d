package plugins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
	"golang.org/x/sys/unix"
)

// run runs a plugin command in a process living in the command's context.
func (h *Host) run(env *command.Env, js *jobSignals, p *Plugin, args []string) error {
	ctx := h.callContext(env)
	key, cwd, err := h.key(ctx, p)
	if err != nil {
		return err
	}
	pr, err := h.get(ctx, p, key, env.Shell.Environ())
	if err != nil {
		return err
	}
	start := &pluginv1.Start{Args: args, Env: env.Shell.Environ(), Dir: cwd, HostMinor: pluginv1.Minor}
	h.notTTY.terminalInfo(env, start)
	defer pr.api.begin(ctx)()
	code, err := pr.call(env, js, start, h.Grace)
	if err != nil {
		return err
	}
	h.put(pr)
	if code != 0 {
		return command.ExitStatus(code)
	}
	return nil
}

// callContext is where a command's call runs: the command's context. It
// is not the shell's in a background job (cmd & keeps where it started,
// whatever the shell does next) nor in a pipeline's stage that moved: the
// shell gives each a fork of its own. The host's for a caller with none.
func (h *Host) callContext(env *command.Env) *nsctx.Context {
	if c, ok := env.Ctx.(*nsctx.Context); ok && c != nil {
		return c
	}
	return h.ctx
}

// jobSignals are the signals sent to the job of a call (kill %N): the
// first is kept, and interrupt or kill (SIGKILL: no grace) is poked. They
// are watched from before the plugin's process is found or started, so
// that none sent meanwhile is lost.
type jobSignals struct {
	sig             atomic.Int32
	interrupt, kill chan struct{}

	mu   sync.Mutex
	wake func() // the running call's (see during), nil outside one
}

// poke pokes c, one of js's channels, and wakes the running call.
func (js *jobSignals) poke(c chan struct{}) {
	poke(c)
	js.mu.Lock()
	wake := js.wake
	js.mu.Unlock()
	if wake != nil {
		wake()
	}
}

// during makes wake the call's until the function returned is called,
// and calls it at once if a signal came before.
func (js *jobSignals) during(wake func()) (end func()) {
	js.mu.Lock()
	js.wake = wake
	pending := len(js.interrupt) > 0 || len(js.kill) > 0
	js.mu.Unlock()
	if pending {
		wake()
	}
	return func() {
		js.mu.Lock()
		js.wake = nil
		js.mu.Unlock()
	}
}

func watchJob(job command.Job) (*jobSignals, func()) {
	js := &jobSignals{interrupt: make(chan struct{}, 1), kill: make(chan struct{}, 1)}
	if job == nil {
		return js, func() {}
	}
	return js, job.Watch(func(sig unix.Signal) {
		switch sig {
		case unix.SIGCHLD, unix.SIGWINCH, unix.SIGURG, unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
			// Ignored, or a stop: a call cannot stop (its process serves
			// other calls), so it goes on.
			return
		}
		js.sig.CompareAndSwap(0, int32(sig))
		if sig == unix.SIGKILL {
			js.poke(js.kill)
		} else {
			js.poke(js.interrupt)
		}
	})
}

// errInterrupted is a call that Ctrl-C ended by killing the plugin.
type errInterrupted struct{ grace time.Duration }

func (e errInterrupted) Error() string {
	return fmt.Sprintf("interrupted, and the plugin did not stop within %v: killed", e.grace)
}

// call runs one command over the process's calls socket, or for a plugin
// of an older SDK its Run stream (opened at its first call and kept: a
// stream carries one call after another, which saves setting up an HTTP/2
// stream per call). Output is written as it
// arrives, stdin is read only when the plugin asks for it, and Ctrl-C is
// passed on as an interrupt; a plugin that has not finished grace after
// the interrupt is killed. On any error but a plain exit status the
// process is gone (killed and reaped) and must not be reused.
func (pr *proc) call(env *command.Env, js *jobSignals, start *pluginv1.Start, grace time.Duration) (int, error) {
	if pr.stream == nil {
		ctx, cancel := context.WithCancel(context.Background())
		stream, err := pr.rpc.Run(ctx)
		if err != nil {
			cancel()
			pr.fail()
			return 0, pr.failure(err)
		}
		pr.stream, pr.cancel = stream, cancel
	}
	stream := pr.stream
	pr.stdout.set(env.Stdout)
	defer pr.stdout.set(nil)
	done := make(chan struct{})
	// Nothing of this call may be sent once it is over: the next call's
	// messages follow on the same stream.
	send := func(m *pluginv1.Input) error {
		pr.sendMu.Lock()
		defer pr.sendMu.Unlock()
		select {
		case <-done:
			return errCallDone
		default:
		}
		return stream.Send(m)
	}
	defer func() {
		pr.sendMu.Lock()
		close(done)
		pr.sendMu.Unlock()
	}()
	if err := send(&pluginv1.Input{Msg: &pluginv1.Input_Start{Start: pr.sameEnv(start)}}); err != nil {
		pr.fail()
		return 0, pr.failure(err)
	}

	// Ctrl-C reaches nsh (plugins have their own process group): pass it
	// on while the call is in the foreground, as kill %N always is, and
	// kill the plugin if it does not stop in time (SIGKILL: at once).
	// What does so is started at the first such signal, not for every
	// call: a goroutine started wakes another thread, which costs a short
	// call much of its time.
	var killed atomic.Bool
	sigint := make(chan struct{}, 1)
	job, interrupt, kill := env.Job, js.interrupt, js.kill
	foreground := func() bool { return job == nil || job.InForeground() }
	watch := func() {
		switch awaitInterrupt(sigint, interrupt, kill, done, foreground) {
		case callDone:
			return
		case callInterrupted:
			send(&pluginv1.Input{Msg: &pluginv1.Input_Interrupt{Interrupt: true}})
			select {
			case <-time.After(grace):
			case <-kill:
			case <-done:
				return
			}
		}
		killed.Store(true)
		pr.run.Kill(context.Background())
		pr.cancel()
	}
	var watching sync.Once
	wake := func() { watching.Do(func() { go watch() }) }
	defer watchInterrupts(sigint, wake)()
	defer js.during(wake)()

	var reads chan int
	for {
		m, err := stream.Recv()
		if err != nil {
			pr.fail()
			if sig := js.sig.Load(); sig != 0 && killed.Load() {
				return 0, &command.StatusError{Code: 128 + int(sig), Err: &command.SignalError{Sig: unix.Signal(sig)}}
			}
			if killed.Load() {
				return 130, &command.StatusError{Code: 130, Err: errInterrupted{grace}}
			}
			if errors.Is(err, io.EOF) {
				err = errors.New("the stream ended without an exit status")
			}
			return 0, pr.failure(err)
		}
		switch msg := m.Msg.(type) {
		case *pluginv1.Output_Stdout:
			if _, err := env.Stdout.Write(msg.Stdout); err != nil {
				js.poke(interrupt) // a closed pipe: stop the command as Ctrl-C would
			}
		case *pluginv1.Output_Stderr:
			env.Stderr.Write(msg.Stderr)
		case *pluginv1.Output_Read:
			if reads == nil {
				reads = make(chan int, 1)
				in := env.Stdin
				if !foreground() && command.IsTerminal(in) {
					in = nil // the terminal is the shell's: end of input
				}
				go pumpStdin(in, reads, done, send)
			}
			select {
			case reads <- int(msg.Read):
			default: // a read is already pending
			}
		case *pluginv1.Output_Host:
			pr.api.answer(send)
		case *pluginv1.Output_Exit:
			if sig := js.sig.Load(); sig != 0 {
				// Ended by kill: the status says so, as a program's would.
				return 128 + int(sig), nil
			}
			return int(msg.Exit), nil
		}
	}
}

// sameEnv leaves the environment out of start on the calls socket when
// it is the previous call's (pluginv1.Start.same_env): decoding it costs
// the plugin more than the rest of a short call.
func (pr *proc) sameEnv(start *pluginv1.Start) *pluginv1.Start {
	if _, ok := pr.stream.(*pluginv1.HostCalls); !ok {
		return start
	}
	if pr.lastEnv != nil && slices.Equal(pr.lastEnv, start.Env) {
		start.Env, start.SameEnv = nil, true
		return start
	}
	pr.lastEnv = slices.Clone(start.Env)
	return start
}

const (
	callDone = iota
	callInterrupted
	callKilled
)

// awaitInterrupt waits until the call ends (callDone) or is to stop:
// Ctrl-C while it is in the foreground, or interrupt (callInterrupted),
// or kill (callKilled: no grace).
func awaitInterrupt(sigint, interrupt, kill, done <-chan struct{}, foreground func() bool) int {
	for {
		select {
		case <-sigint:
			if foreground() {
				return callInterrupted
			}
		case <-interrupt:
			return callInterrupted
		case <-kill:
			return callKilled
		case <-done:
			return callDone
		}
	}
}

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// SIGINT is watched for the whole life of the process (signal.Notify and
// Stop cost tens of microseconds, too much for every call); a call
// subscribes while it runs.
var sigint struct {
	once sync.Once
	mu   sync.Mutex
	subs map[chan struct{}]func()
}

// watchInterrupts pokes ch and calls wake at each SIGINT until stop.
func watchInterrupts(ch chan struct{}, wake func()) (stop func()) {
	sigint.once.Do(func() {
		sigint.subs = map[chan struct{}]func(){}
		c := make(chan os.Signal, 1)
		signal.Notify(c, unix.SIGINT)
		go func() {
			for range c {
				sigint.mu.Lock()
				for s, wake := range sigint.subs {
					poke(s)
					wake()
				}
				sigint.mu.Unlock()
			}
		}()
	})
	sigint.mu.Lock()
	sigint.subs[ch] = wake
	sigint.mu.Unlock()
	return func() {
		sigint.mu.Lock()
		delete(sigint.subs, ch)
		sigint.mu.Unlock()
	}
}

// pumpStdin answers the plugin's reads from r. A terminal (or any file) is
// polled, so that no read is left pending on it after the call: the shell
// needs its input back.
func pumpStdin(r io.Reader, reads <-chan int, done <-chan struct{}, send func(*pluginv1.Input) error) {
	buf := make([]byte, 32*1024)
	for {
		var n int
		select {
		case n = <-reads:
		case <-done:
			return
		}
		n = min(max(n, 1), len(buf))
		got, err := readSome(r, buf[:n], done)
		if got > 0 {
			send(&pluginv1.Input{Msg: &pluginv1.Input_Stdin{Stdin: append([]byte(nil), buf[:got]...)}})
		}
		if err != nil {
			if err != errCallDone {
				send(&pluginv1.Input{Msg: &pluginv1.Input_StdinEof{StdinEof: true}})
			}
			return
		}
	}
}

var errCallDone = errors.New("call done")

func readSome(r io.Reader, p []byte, done <-chan struct{}) (int, error) {
	if r == nil {
		return 0, io.EOF
	}
	if f, ok := r.(*os.File); ok {
		fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}}
		for {
			select {
			case <-done:
				return 0, errCallDone
			default:
			}
			n, err := unix.Poll(fds, 100)
			if err == unix.EINTR || err == nil && n == 0 {
				continue
			}
			break
		}
	}
	n, err := r.Read(p)
	if n > 0 {
		return n, nil
	}
	if err == nil {
		err = io.EOF
	}
	return 0, err
}

// notTTY remembers the files found not to be terminals, so that a call
// asks the kernel only about terminals, whose size may change (three
// ioctls a call otherwise). A file cannot become one: an *os.File's
// descriptor stays the same open file while it is open, and nsh never
// dup2s over a descriptor it has a File of (a redirection makes a new
// File). The map keeps its files from being collected, so no other File
// comes to have the address of one in it.
type notTTY struct {
	mu sync.Mutex
	m  map[*os.File]bool
}

// terminalInfo tells the plugin which streams are terminals and the size.
func (nt *notTTY) terminalInfo(env *command.Env, s *pluginv1.Start) {
	tty := func(x any) (*unix.Winsize, bool) {
		f, ok := x.(*os.File)
		if !ok {
			return nil, false
		}
		nt.mu.Lock()
		known := nt.m[f]
		nt.mu.Unlock()
		if known {
			return nil, false
		}
		ws, err := command.Winsize(f)
		if err == unix.ENOTTY {
			nt.mu.Lock()
			if len(nt.m) >= 64 { // redirected files come and go
				clear(nt.m)
			}
			if nt.m == nil {
				nt.m = map[*os.File]bool{}
			}
			nt.m[f] = true
			nt.mu.Unlock()
		}
		return ws, err == nil
	}
	var in, out, errw *unix.Winsize
	in, s.StdinTty = tty(env.Stdin)
	out, s.StdoutTty = tty(env.Stdout)
	errw, s.StderrTty = tty(env.Stderr)
	for _, ws := range []*unix.Winsize{out, in, errw} {
		if ws != nil {
			s.Rows, s.Cols = uint32(ws.Row), uint32(ws.Col)
			break
		}
	}
}
