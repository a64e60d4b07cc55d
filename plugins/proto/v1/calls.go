package pluginv1

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
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
// that CallsFdKey names. A plugin that serves calls on it writes
// CallsHello on it before go-plugin's handshake, so that nsh, having read
// the handshake, knows without waiting whether it may (a plugin of an
// older SDK ignores the descriptor and gets its calls on the Run stream).
const (
	CallsFdKey = "NSH_PLUGIN_CALLS_FD"
	CallsHello = "nsh-calls/1\n"
)

// maxFrame bounds a message read, against a peer gone wrong.
const maxFrame = 64 << 20

// HostCalls is nsh's end of a calls socket: it has the methods of the Run
// stream's client that the host uses.
type HostCalls struct{ c frames }

func NewHostCalls(conn net.Conn) *HostCalls { return &HostCalls{newFrames(conn)} }

func (h *HostCalls) Send(m *Input) error { return h.c.write(m) }

func (h *HostCalls) Recv() (*Output, error) {
	m := new(Output)
	return m, h.c.read(m)
}

func (h *HostCalls) Close() error { return h.c.conn.Close() }

// PluginCalls is the plugin's end: it has the methods of the Run stream's
// server that the SDK uses. Its context ends when Close is called.
type PluginCalls struct {
	c      frames
	ctx    context.Context
	cancel context.CancelFunc
}

func NewPluginCalls(conn net.Conn) *PluginCalls {
	ctx, cancel := context.WithCancel(context.Background())
	return &PluginCalls{newFrames(conn), ctx, cancel}
}

func (p *PluginCalls) Send(m *Output) error { return p.c.write(m) }

func (p *PluginCalls) Recv() (*Input, error) {
	m := new(Input)
	return m, p.c.read(m)
}

func (p *PluginCalls) Context() context.Context { return p.ctx }

func (p *PluginCalls) Close() error { p.cancel(); return p.c.conn.Close() }

type frames struct {
	conn net.Conn
	r    *bufio.Reader // used by one reader at a time
	mu   *sync.Mutex   // guards wbuf; a frame is one Write
	wbuf *[]byte
}

func newFrames(conn net.Conn) frames {
	return frames{conn: conn, r: bufio.NewReaderSize(conn, 32<<10), mu: new(sync.Mutex), wbuf: new([]byte)}
}

func (f frames) write(m proto.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := proto.MarshalOptions{}.MarshalAppend(append((*f.wbuf)[:0], 0, 0, 0, 0), m)
	if err != nil {
		return err
	}
	if len(b)-4 > maxFrame {
		return fmt.Errorf("message of %d bytes: more than %d", len(b)-4, maxFrame)
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	_, err = f.conn.Write(b)
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
