package pluginv1

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"google.golang.org/protobuf/proto"
)

// Since minor 3 a process's calls travel on a socket of their own rather
// than on the Run stream: gRPC hands each message between several
// goroutines (and so OS threads) on either side, which cost a warm call
// several times a unix-socket round trip. The messages are the Run
// stream's (Input from nsh, Output from the plugin), each framed as a
// 4-byte big-endian length and the message, and they mean the same.
//
// nsh starts a plugin with one end of a socket pair as the descriptor
// that CallsFdKey names. A plugin that serves calls on it writes a hello
// on it before go-plugin's handshake, so that nsh, having read the
// handshake, knows without waiting whether it may (a plugin of an older
// SDK ignores the descriptor and gets its calls on the Run stream).
//
// CallsHello (minor 3) says the socket carries both ways. CallsHelloIn
// (minor 4) says the plugin reads nsh's messages from a second socket
// pair, the descriptor CallsInFdKey names, and writes its own on the
// first: each socket carries one way. On a socket used both ways, taking
// what one side wrote wakes that side's reader (the socket's write
// space is signalled to whoever waits on it, and a reader does): a
// needless wake-up of the other process's thread for every message.
const (
	CallsFdKey   = "NSH_PLUGIN_CALLS_FD"
	CallsInFdKey = "NSH_PLUGIN_CALLS_IN_FD"
	CallsHello   = "nsh-calls/1\n"
	CallsHelloIn = "nsh-calls/2\n"
)

// maxFrame bounds a message read, against a peer gone wrong.
const maxFrame = 64 << 20

// HostCalls is nsh's end of the calls sockets: it has the methods of the
// Run stream's client that the host uses.
type HostCalls struct {
	c      frames
	closer io.Closer
}

// NewHostCalls reads the plugin's messages from out and writes nsh's on
// in; Close closes c.
func NewHostCalls(out io.Reader, in io.Writer, c io.Closer) *HostCalls {
	return &HostCalls{newFrames(out, in), c}
}

func (h *HostCalls) Send(m *Input) error { return h.c.write(m) }

func (h *HostCalls) Recv() (*Output, error) {
	m := new(Output)
	return m, h.c.read(m)
}

func (h *HostCalls) Close() error { return h.closer.Close() }

// PluginCalls is the plugin's end: it has the methods of the Run stream's
// server that the SDK uses. Its context ends when Close is called.
type PluginCalls struct {
	c      frames
	closer io.Closer
	ctx    context.Context
	cancel context.CancelFunc
}

// NewPluginCalls reads nsh's messages from in and writes the plugin's on
// out; Close closes c.
func NewPluginCalls(in io.Reader, out io.Writer, c io.Closer) *PluginCalls {
	ctx, cancel := context.WithCancel(context.Background())
	return &PluginCalls{newFrames(in, out), c, ctx, cancel}
}

func (p *PluginCalls) Send(m *Output) error { return p.c.write(m) }

// SendAll sends ms in one write.
func (p *PluginCalls) SendAll(ms []*Output) error {
	pm := make([]proto.Message, len(ms))
	for i, m := range ms {
		pm[i] = m
	}
	return p.c.write(pm...)
}

func (p *PluginCalls) Recv() (*Input, error) {
	m := new(Input)
	return m, p.c.read(m)
}

func (p *PluginCalls) Context() context.Context { return p.ctx }

func (p *PluginCalls) Close() error { p.cancel(); return p.closer.Close() }

type frames struct {
	r    *bufio.Reader // used by one reader at a time
	w    io.Writer
	mu   *sync.Mutex // guards wbuf; a write of frames is one Write
	wbuf *[]byte
}

func newFrames(r io.Reader, w io.Writer) frames {
	return frames{r: bufio.NewReaderSize(r, 32<<10), w: w, mu: new(sync.Mutex), wbuf: new([]byte)}
}

// write sends ms, each framed, in one Write.
func (f frames) write(ms ...proto.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := (*f.wbuf)[:0]
	for _, m := range ms {
		at := len(b)
		var err error
		if b, err = (proto.MarshalOptions{}).MarshalAppend(append(b, 0, 0, 0, 0), m); err != nil {
			return err
		}
		if len(b)-at-4 > maxFrame {
			return fmt.Errorf("message of %d bytes: more than %d", len(b)-at-4, maxFrame)
		}
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	_, err := f.w.Write(b)
	if cap(b) <= 64<<10 { // keep small buffers, not a large output's
		*f.wbuf = b
	}
	return err
}

func (f frames) read(m proto.Message) error {
	var n [4]byte
	if _, err := io.ReadFull(f.r, n[:]); err != nil {
		return err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxFrame {
		return fmt.Errorf("message of %d bytes: more than %d", size, maxFrame)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(f.r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return proto.Unmarshal(b, m)
}
