package sdk

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"

	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
)

type server struct {
	pluginv1.UnimplementedCommandsServer
	version string
	order   []*Command
	cmds    map[string]*Command
}

func (s *server) Describe(context.Context, *pluginv1.DescribeRequest) (*pluginv1.DescribeResponse, error) {
	restoreStderr()
	r := &pluginv1.DescribeResponse{Version: s.version}
	for _, c := range s.order {
		usage := c.Usage
		if usage == "" {
			usage = c.Name
		}
		r.Commands = append(r.Commands, &pluginv1.Command{
			Name: c.Name, Summary: c.Summary, Usage: usage, Help: c.Help, Completes: c.Complete != nil,
		})
	}
	return r, nil
}

func (s *server) Complete(_ context.Context, req *pluginv1.CompleteRequest) (*pluginv1.CompleteResponse, error) {
	c := s.cmds[req.Command]
	if c == nil || c.Complete == nil {
		return &pluginv1.CompleteResponse{}, nil
	}
	return &pluginv1.CompleteResponse{Candidates: c.Complete(req.Args)}, nil
}

// Run serves one command call: it reads Start, runs the command, and relays
// its streams until it returns.
func (s *server) Run(stream pluginv1.Commands_RunServer) error {
	restoreStderr()
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	st := first.GetStart()
	if st == nil || len(st.Args) == 0 {
		return fmt.Errorf("nsh plugin: a call must begin with Start")
	}
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()

	out := &sender{stream: stream}
	in := &stdin{out: out, data: make(chan []byte), eof: make(chan struct{})}
	go in.receive(stream, cancel)

	call := &Call{
		Args: st.Args, Env: st.Env, Dir: st.Dir,
		Stdin:    in,
		Stdout:   &writer{out, false},
		Stderr:   &writer{out, true},
		StdinTTY: st.StdinTty, StdoutTTY: st.StdoutTty, StderrTTY: st.StderrTty,
		Rows: int(st.Rows), Cols: int(st.Cols),
	}
	code := 127
	if c := s.cmds[st.Args[0]]; c != nil {
		code = run(ctx, c, call)
	} else {
		fmt.Fprintf(call.Stderr, "%s: this plugin has no such command\n", st.Args[0])
	}
	return out.send(&pluginv1.Output{Msg: &pluginv1.Output_Exit{Exit: int32(code)}})
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
	return c.Run(ctx, call)
}

// sender serializes sends on the stream (gRPC allows one sender at a time).
type sender struct {
	mu     sync.Mutex
	stream pluginv1.Commands_RunServer
}

func (s *sender) send(m *pluginv1.Output) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stream.Send(m)
}

// writer sends each Write at once, so output reaches the user as written.
type writer struct {
	out    *sender
	stderr bool
}

func (w *writer) Write(p []byte) (int, error) {
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
	out  *sender
	data chan []byte
	eof  chan struct{} // closed at end of input or of the call
	once sync.Once
	buf  []byte
	done bool
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
		}
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// receive handles what nsh sends during the call: input, end of input and
// interrupts. It ends with the stream.
func (r *stdin) receive(stream pluginv1.Commands_RunServer, cancel context.CancelFunc) {
	end := func() { r.once.Do(func() { close(r.eof) }) }
	defer end()
	for {
		m, err := stream.Recv()
		if err != nil {
			cancel()
			return
		}
		switch {
		case m.GetInterrupt():
			cancel()
		case m.GetStdinEof():
			end() // keep receiving: an interrupt may follow
		default:
			if b := m.GetStdin(); b != nil {
				select {
				case r.data <- b:
				case <-stream.Context().Done():
					return
				}
			}
		}
	}
}
