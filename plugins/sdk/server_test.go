package sdk

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
)

// fakeStream feeds serve the inputs given and records what it sends,
// one entry a batch; a send waits while gate is closed.
type fakeStream struct {
	in   chan *pluginv1.Input
	gate chan struct{}

	mu      sync.Mutex
	batches [][]*pluginv1.Output
	exit    chan int32
}

func newFakeStream() *fakeStream {
	f := &fakeStream{in: make(chan *pluginv1.Input, 1), gate: make(chan struct{}), exit: make(chan int32, 1)}
	close(f.gate)
	return f
}

func (f *fakeStream) Recv() (*pluginv1.Input, error) {
	m, ok := <-f.in
	if !ok {
		return nil, io.EOF
	}
	return m, nil
}

func (f *fakeStream) Send(m *pluginv1.Output) error { return f.SendAll([]*pluginv1.Output{m}) }

func (f *fakeStream) SendAll(ms []*pluginv1.Output) error {
	<-f.gate
	f.mu.Lock()
	f.batches = append(f.batches, append([]*pluginv1.Output(nil), ms...))
	f.mu.Unlock()
	for _, m := range ms {
		if e, ok := m.Msg.(*pluginv1.Output_Exit); ok {
			f.exit <- e.Exit
		}
	}
	return nil
}

func (f *fakeStream) Context() context.Context { return context.Background() }

// call runs the command name of srv over a fake stream and returns the
// stream once the exit status was sent.
func (f *fakeStream) call(t *testing.T, srv *server, name string) int32 {
	t.Helper()
	done := make(chan struct{})
	go func() { srv.serve(f); close(done) }()
	t.Cleanup(func() { close(f.in); <-done })
	f.in <- &pluginv1.Input{Msg: &pluginv1.Input_Start{Start: &pluginv1.Start{Args: []string{name}}}}
	select {
	case code := <-f.exit:
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("no exit status")
		return 0
	}
}

func serverOf(cmds ...*Command) *server {
	s := &server{cmds: map[string]*Command{}}
	for _, c := range cmds {
		s.cmds[c.Name] = c
		s.order = append(s.order, c)
	}
	return s
}

// A short command's output and its exit status go to nsh in one batch
// (one write on the calls socket, one wake-up of nsh), in order.
func TestShortCallOneBatch(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1)) // as the SDK runs plugins
	srv := serverOf(&Command{Name: "x", Run: func(ctx context.Context, c *Call) int {
		fmt.Fprintln(c.Stdout, "one")
		fmt.Fprintln(c.Stderr, "two")
		return 3
	}})
	f := newFakeStream()
	if code := f.call(t, srv, "x"); code != 3 {
		t.Fatalf("exit status %d", code)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.batches) != 1 || len(f.batches[0]) != 3 {
		t.Fatalf("sent in %d batches: %v", len(f.batches), f.batches)
	}
	b := f.batches[0]
	if string(b[0].GetStdout()) != "one\n" || string(b[1].GetStderr()) != "two\n" || b[2].GetExit() != 3 {
		t.Errorf("batch: %v", b)
	}
}

// A command that writes faster than nsh takes its output waits once
// maxQueued bytes are queued (besides a batch being sent), and all of
// it arrives, in order.
func TestOutputBackpressure(t *testing.T) {
	const chunk, total = 1 << 10, 2 << 20
	var writes atomic.Int64
	srv := serverOf(&Command{Name: "big", Run: func(ctx context.Context, c *Call) int {
		for i := 0; i < total/chunk; i++ {
			c.Stdout.Write(bytes.Repeat([]byte{byte('a' + i%26)}, chunk))
			writes.Add(1)
		}
		return 0
	}})
	f := newFakeStream()
	f.gate = make(chan struct{}) // nsh is not reading yet
	go func() {
		time.Sleep(300 * time.Millisecond)
		if n := writes.Load() * chunk; n > 2*(maxQueued+chunk) {
			t.Errorf("%d bytes written while nsh took none: more than %d queued and %[2]d in a batch", n, maxQueued)
		}
		close(f.gate)
	}()
	if code := f.call(t, srv, "big"); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	var out strings.Builder
	f.mu.Lock()
	for _, b := range f.batches {
		for _, m := range b {
			out.Write(m.GetStdout())
		}
	}
	f.mu.Unlock()
	if out.Len() != total {
		t.Fatalf("%d bytes arrived, not %d", out.Len(), total)
	}
	for i := 0; i < total/chunk; i++ {
		if c := out.String()[i*chunk]; c != byte('a'+i%26) {
			t.Fatalf("chunk %d out of order: %q", i, c)
		}
	}
}
