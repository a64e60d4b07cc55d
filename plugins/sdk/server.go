package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"

	plugin "github.com/hashicorp/go-plugin"
	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

type server struct {
	pluginv1.UnimplementedCommandsServer
	version string
	order   []*Command
	cmds    map[string]*Command
	stdout  *stdoutPipe // nil until the first call, or if it cannot be had

	broker   *plugin.GRPCBroker
	hostMu   sync.Mutex
	host     pluginv1.HostClient // the host API, once dialed (host.go)
	hostConn *grpc.ClientConn
}

func (s *server) Describe(ctx context.Context, _ *pluginv1.DescribeRequest) (*pluginv1.DescribeResponse, error) {
	s.restore()
	grpc.SetHeader(ctx, metadata.Pairs(pluginv1.MinorKey, strconv.Itoa(pluginv1.Minor), pluginv1.NeedsKey, strconv.Itoa(needsHost)))
	r := &pluginv1.DescribeResponse{Version: s.version}
	for _, c := range s.order {
		usage := c.Usage
		if usage == "" {
			usage = c.Name
		}
		r.Commands = append(r.Commands, &pluginv1.Command{
			Name: c.Name, Summary: c.Summary, Usage: usage, Help: c.Help, Completes: c.Complete != nil || c.CompleteE != nil,
		})
	}
	return r, nil
}

func (s *server) Complete(ctx context.Context, req *pluginv1.CompleteRequest) (*pluginv1.CompleteResponse, error) {
	s.restore()
	c := s.cmds[req.Command]
	if c == nil {
		return &pluginv1.CompleteResponse{}, nil
	}
	cc := &CompleteCall{Args: req.Args, Env: req.Env, Dir: req.Dir}
	host := &remoteHost{s: s, minor: req.HostMinor, ask: offered(req.Host)}
	words, files := CompleteCommand(ctx, c, cc, host)
	return &pluginv1.CompleteResponse{Candidates: words, Files: &files}, nil
}

// CompleteCommand completes cc for cmd as nsh would in the plugin, with
// h as its host API, and says whether file names are to be offered too:
// for tests (package sdktest), not for plugins.
func CompleteCommand(ctx context.Context, cmd *Command, cc *CompleteCall, h Host) (words []string, files bool) {
	cc.host = h
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "%s: completion: panic: %v\n%s", cmd.Name, r, debug.Stack())
			words, files = nil, false
		}
	}()
	switch {
	case cmd.CompleteE != nil:
		words, err := cmd.CompleteE(ctx, cc)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: completion: %v\n", cmd.Name, err)
			return nil, cc.files
		}
		return words, cc.files
	case cmd.Complete != nil:
		return cmd.Complete(cc.Args), true
	}
	return nil, true
}

// Run serves calls on one stream, one after another: each begins with
// Start and ends with the exit status the plugin sends. What arrives for a
// call that is over (input nsh had in flight) is dropped.
func (s *server) Run(stream pluginv1.Commands_RunServer) error { return s.serve(stream) }

// runStream is what a process's calls travel on: the Run stream, or the
// calls socket (pluginv1.PluginCalls).
type runStream interface {
	Send(*pluginv1.Output) error
	Recv() (*pluginv1.Input, error)
	Context() context.Context
}

func (s *server) serve(stream runStream) error {
	out := newSender(stream)
	defer out.close()
	// The commands run one after another in one goroutine, whose stack
	// has grown already: a goroutine per call would grow its own each time.
	work := make(chan func())
	defer close(work)
	go func() {
		for f := range work {
			f()
		}
	}()
	var (
		mu  sync.Mutex
		cur *stdin   // the running call's input, nil between calls
		env []string // the last call's (Start.same_env)
	)
	current := func() *stdin { mu.Lock(); defer mu.Unlock(); return cur }
	defer func() {
		if c := current(); c != nil {
			c.cancel()
		}
	}()
	for {
		m, err := stream.Recv()
		if err != nil {
			return err
		}
		s.restore() // the calls socket is read from before go-plugin serves
		c := current()
		switch msg := m.Msg.(type) {
		case *pluginv1.Input_Start:
			if c != nil {
				return fmt.Errorf("nsh plugin: Start during a call")
			}
			if msg.Start.SameEnv { // copies: a command may change its own
				msg.Start.Env = slices.Clone(env)
			} else {
				env = slices.Clone(msg.Start.Env)
			}
			c = s.begin(stream.Context(), msg.Start, out, work, func() { mu.Lock(); cur = nil; mu.Unlock() })
			mu.Lock()
			if c.running() {
				cur = c
			}
			mu.Unlock()
		case *pluginv1.Input_Interrupt:
			if c != nil {
				c.cancel()
			}
		case *pluginv1.Input_StdinEof:
			if c != nil {
				c.end()
			}
		case *pluginv1.Input_Stdin:
			if c != nil {
				c.deliver(msg.Stdin)
			}
		case *pluginv1.Input_Host:
			if c != nil {
				select {
				case c.host <- msg.Host:
				default:
				}
			}
		}
	}
}

// begin starts a call's command on work's goroutine. When the command
// returns, over() is called before the exit status is sent, so that
// nothing arriving after it is taken for this call.
func (s *server) begin(ctx context.Context, st *pluginv1.Start, out *sender, work chan<- func(), over func()) *stdin {
	ctx, cancel := context.WithCancel(ctx)
	in := &stdin{out: out, data: make(chan []byte), eof: make(chan struct{}), finished: make(chan struct{}), cancel: cancel, stop: ctx.Done(), host: make(chan uint32, 1)}
	if len(st.Args) == 0 {
		st.Args = []string{""}
	}
	call := &Call{
		Args: st.Args, Env: st.Env, Dir: st.Dir,
		Stdin:    in,
		Stdout:   &writer{out, false, s.stdout},
		Stderr:   &writer{out, true, s.stdout},
		StdinTTY: st.StdinTty, StdoutTTY: st.StdoutTty, StderrTTY: st.StderrTty,
		Rows: int(st.Rows), Cols: int(st.Cols),
		cmd:  s.cmds[st.Args[0]],
		host: &remoteHost{s: s, minor: st.HostMinor, ask: askOnStream(ctx, out, in)},
	}
	s.stdout.attach(&writer{out, false, nil}) // not call.Stdout: it would flush the pipe it is fed from
	work <- func() {
		code := 127
		if c := call.cmd; c != nil {
			code = run(ctx, c, call)
		} else {
			fmt.Fprintf(call.Stderr, "%s: this plugin has no such command\n", st.Args[0])
		}
		s.stdout.detach()
		cancel()
		close(in.finished)
		over()
		out.send(&pluginv1.Output{Msg: &pluginv1.Output_Exit{Exit: int32(code)}})
	}
	return in
}

// RunCommand runs cmd for call in this process as nsh would run it in the
// plugin and returns its exit status: for tests (package sdktest), not
// for plugins.
func RunCommand(ctx context.Context, cmd *Command, call *Call) int {
	call.cmd = cmd
	if len(call.Args) == 0 {
		call.Args = []string{cmd.Name}
	}
	return run(ctx, cmd, call)
}

// run calls the command, turning a panic into a message and status 70
// (EX_SOFTWARE) so that one bad call does not take the plugin down.
func run(ctx context.Context, c *Command, call *Call) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(call.Stderr, "%s: panic: %v (status 70; the stack is on the plugin's stderr)\n", c.Name, r)
			fmt.Fprintf(os.Stderr, "%s: panic: %v\n%s", c.Name, r, debug.Stack())
			code = 70
		}
	}()
	if c.RunE == nil {
		return c.Run(ctx, call)
	}
	return status(c.Name, call.Stderr, c.RunE(ctx, call))
}

// status is the exit status for what RunE returned, saying the error on
// stderr: an ExitError's message, or a plain error as status 1.
func status(name string, stderr io.Writer, err error) int {
	if err == nil {
		return 0
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		if ee.Msg != "" {
			fmt.Fprintf(stderr, "%s: %s\n", name, ee.Msg)
		}
		return ee.Code
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	return 1
}

// sender sends a call's messages from a goroutine of its own, which
// takes whatever has queued up by the time it runs and sends it in one
// go (on the calls socket one write(2)). With the SDK's single P it runs
// once the command blocks or returns, so a short command's output and
// its exit status reach nsh together: one wake-up of nsh rather than one
// a message. A command that computes for long without blocking has its
// output sent when Go preempts it (within about 10 ms).
type sender struct {
	stream runStream
	mu     sync.Mutex
	room   *sync.Cond // signalled when the queue was taken
	queue  []*pluginv1.Output
	bytes  int   // of output in queue
	err    error // the first send that failed: later ones fail too
	closed bool
	wake   chan struct{}
	done   chan struct{} // closed when run has sent its last batch
}

// maxQueued is how much output a command may have queued before a write
// waits for the sender.
const maxQueued = 256 << 10

func newSender(stream runStream) *sender {
	s := &sender{stream: stream, wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.room = sync.NewCond(&s.mu)
	go s.run()
	return s
}

// batchStream is a stream that sends several messages at once.
type batchStream interface {
	SendAll([]*pluginv1.Output) error
}

func (s *sender) run() {
	defer close(s.done)
	var batch []*pluginv1.Output
	for range s.wake {
		s.mu.Lock()
		batch, s.queue = s.queue, batch[:0]
		s.bytes = 0
		s.room.Broadcast()
		s.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		var err error
		if b, ok := s.stream.(batchStream); ok {
			err = b.SendAll(batch)
		} else {
			for _, m := range batch {
				if err = s.stream.Send(m); err != nil {
					break
				}
			}
		}
		clear(batch)
		if err != nil {
			s.mu.Lock()
			if s.err == nil {
				s.err = err
			}
			s.room.Broadcast()
			s.mu.Unlock()
		}
	}
}

// send queues m for the sender; it fails once a send has failed.
func (s *sender) send(m *pluginv1.Output) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.bytes > maxQueued && s.err == nil && !s.closed {
		s.room.Wait()
	}
	if s.err != nil {
		return s.err
	}
	if s.closed {
		return io.ErrClosedPipe
	}
	s.queue = append(s.queue, m)
	s.bytes += len(m.GetStdout()) + len(m.GetStderr())
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

// close ends the sender once the stream has ended, and waits for what
// was queued to be sent (or to fail): the stream must not be written
// after its handler returns.
func (s *sender) close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.wake)
	}
	s.room.Broadcast()
	s.mu.Unlock()
	<-s.done
}

// writer queues each Write for the sender, which sends what is queued
// when it runs (with the exit status, for a short command); a failed send
// shows as the error of a later Write.
type writer struct {
	out    *sender
	stderr bool
	before *stdoutPipe // what was printed on os.Stdout goes first
}

func (w *writer) Write(p []byte) (int, error) {
	w.before.flush()
	b := append([]byte(nil), p...)
	m := &pluginv1.Output{Msg: &pluginv1.Output_Stdout{Stdout: b}}
	if w.stderr {
		m.Msg = &pluginv1.Output_Stderr{Stderr: b}
	}
	if err := w.out.send(m); err != nil {
		return 0, err
	}
	return len(p), nil
}

// stdin pulls input from nsh: a Read with nothing buffered asks for more.
type stdin struct {
	out      *sender
	data     chan []byte
	eof      chan struct{} // closed at end of input
	once     sync.Once
	finished chan struct{} // closed when the command has returned
	cancel   context.CancelFunc
	stop     <-chan struct{} // the command's context is done
	host     chan uint32     // nsh's answer to a request for the host API
	buf      []byte
	done     bool
}

func (r *stdin) running() bool {
	select {
	case <-r.finished:
		return false
	default:
		return true
	}
}

func (r *stdin) end() { r.once.Do(func() { close(r.eof) }) }

// deliver hands input to a Read waiting for it (nsh sends input only when
// asked), unless the command has returned meanwhile.
func (r *stdin) deliver(b []byte) {
	select {
	case r.data <- b:
	case <-r.finished:
	}
}

func (r *stdin) Read(p []byte) (int, error) {
	if len(r.buf) == 0 && !r.done {
		if len(p) == 0 {
			return 0, nil
		}
		if err := r.out.send(&pluginv1.Output{Msg: &pluginv1.Output_Read{Read: uint32(len(p))}}); err != nil {
			return 0, err
		}
		select {
		case b := <-r.data:
			r.buf = b
		case <-r.eof:
			r.done = true
		case <-r.stop: // interrupted, or nsh went away
			r.done = true
		}
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}
