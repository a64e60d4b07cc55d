package plugins

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"

	plugin "github.com/hashicorp/go-plugin"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// hostAPI is the Host service (plugins/proto/v1/host.proto) that nsh
// serves one plugin process through go-plugin's broker: a command asks it,
// during its call or completion, where the context is. It costs nothing
// until the plugin asks: then nsh accepts one connection on a new broker
// id (offer), which the process keeps for its later calls. It answers
// for the call running (begin): a process serves one call at a time, and
// the context is the one the call started in, wherever the shell has
// moved since (a background call).
type hostAPI struct {
	pluginv1.UnimplementedHostServer
	h      *Host
	broker *plugin.GRPCBroker
	pr     *proc

	mu        sync.Mutex
	st        *nsctx.Status  // where the running call's context is; nil between calls
	ctx       *nsctx.Context // the running call's context
	srv       *grpc.Server   // made at the first offer
	pending   net.Listener   // offered, not connected yet
	connected bool           // a connection was made (the plugin keeps it)
	closed    bool
}

func newHostAPI(h *Host, raw any, pr *proc) *hostAPI {
	a := &hostAPI{h: h, pr: pr}
	if c, ok := raw.(*pluginv1.Client); ok {
		a.broker = c.Broker
	}
	return a
}

// begin makes the API answer for a call in ctx as it is now; the
// function returned ends that.
func (a *hostAPI) begin(ctx *nsctx.Context) func() {
	st, err := ctx.Status()
	a.mu.Lock()
	if err == nil {
		a.st, a.ctx = &st, ctx
	}
	a.mu.Unlock()
	return func() {
		a.mu.Lock()
		a.st, a.ctx = nil, nil
		a.mu.Unlock()
	}
}

// answer answers a command's request for the service (Output.host) on
// its Run stream: the broker id to dial, or 0 if nsh cannot offer it.
func (a *hostAPI) answer(send func(*pluginv1.Input) error) {
	id, err := a.offer()
	if err != nil {
		fmt.Fprintf(a.pr.log, "nsh: cannot offer the host API: %v\n", err)
	}
	send(&pluginv1.Input{Msg: &pluginv1.Input_Host{Host: id}})
}

// offerIfNeeded is the broker id to put in a completion request: one is
// offered until the plugin has connected.
func (a *hostAPI) offerIfNeeded() uint32 {
	a.mu.Lock()
	connected := a.connected
	a.mu.Unlock()
	if connected {
		return 0
	}
	id, _ := a.offer()
	return id
}

// offer accepts one connection on a new broker id. An offer the plugin
// did not take is withdrawn (its broker forgets an id after 5 s anyway).
func (a *hostAPI) offer() (uint32, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed || a.broker == nil {
		return 0, errors.New("the plugin process is stopping")
	}
	if a.pending != nil {
		a.pending.Close()
		a.pending = nil
	}
	id := a.broker.NextId()
	ln, err := a.broker.Accept(id)
	if err != nil {
		return 0, err
	}
	if x := a.pr.run.takeListener(); x != nil {
		ln.Close() // the plugin cannot reach it: it dials x (hostToPlugin)
		ln = x
	}
	if a.srv == nil {
		a.srv = grpc.NewServer()
		pluginv1.RegisterHostServer(a.srv, a)
	}
	one := &oneConn{Listener: ln, a: a, pid: a.pr.run.pid}
	a.pending = one
	go a.srv.Serve(one)
	return id, nil
}

// close stops the service with its process.
func (a *hostAPI) close() {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	if a.srv != nil {
		a.srv.Stop()
	}
	if a.pending != nil {
		a.pending.Close()
	}
	if x := a.pr.run.takeListener(); x != nil {
		x.Close()
	}
}

// oneConn is a listener for one connection, from the plugin's process
// only (its socket may be in a /tmp others can write): closed once it
// has it, so that no socket file is left behind.
type oneConn struct {
	net.Listener
	a    *hostAPI
	pid  int // the plugin process, as nsh sees it
	once sync.Once
	done bool
}

func (l *oneConn) Accept() (net.Conn, error) {
	if l.done {
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	for ; err == nil && peerPid(c) != l.pid; c, err = l.Listener.Accept() {
		c.Close() // not the plugin
	}
	if err != nil {
		return nil, err
	}
	l.done = true
	l.Close()
	l.a.mu.Lock()
	l.a.connected = true
	if l.a.pending == l {
		l.a.pending = nil
	}
	l.a.mu.Unlock()
	return c, nil
}

// peerPid is the pid of the process at the other end of a unix socket
// connection (SO_PEERCRED, in nsh's pid namespace), or 0.
func peerPid(c net.Conn) int {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return 0
	}
	rc, err := uc.SyscallConn()
	if err != nil {
		return 0
	}
	pid := 0
	rc.Control(func(fd uintptr) {
		if cred, err := unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED); err == nil {
			pid = int(cred.Pid)
		}
	})
	return pid
}

func (l *oneConn) Close() error {
	var err error
	l.once.Do(func() { err = l.Listener.Close() })
	return err
}

// Where says where the running call's context is.
func (a *hostAPI) Where(context.Context, *pluginv1.WhereRequest) (*pluginv1.WhereResponse, error) {
	a.mu.Lock()
	st, ctx := a.st, a.ctx
	a.mu.Unlock()
	if st == nil {
		return nil, status.Error(codes.FailedPrecondition, "no call of this plugin process is running: nsh answers the host API during a call or a completion")
	}
	r := &pluginv1.WhereResponse{Depth: int32(st.Depth), Cwd: st.Cwd}
	for _, k := range nsfs.Kinds() {
		if !st.Differs(k) {
			continue
		}
		id := st.Cur[k]
		ns := &pluginv1.Namespace{Kind: k.String(), Dev: id.Dev, Ino: id.Ino, Pending: st.Pending(k)}
		if k == nsfs.Net {
			ns.Names = nsfs.NetnsNames(id)
		}
		r.Away = append(r.Away, ns)
	}
	pins, err := ctx.Pins()
	if err != nil {
		return nil, status.Error(codes.Unavailable, "listing the pins: "+err.Error())
	}
	for _, p := range pins {
		r.Pins = append(r.Pins, &pluginv1.Pin{Path: p.Path, Kind: p.Kind.String(), Ino: p.Ino, Inside: p.Inside, Current: p.Ino == st.Cur[p.Kind].Ino})
	}
	return r, nil
}

// hostToPlugin is the address of a socket of nsh's as the plugin can
// dial it. A plugin that does not see go-plugin's socket directory (its
// mount namespace has another /tmp, or is a container's) would not find
// the host's socket there: nsh listens in the plugin's own /tmp instead,
// through /proc/PID/root, and the host API is served there (takeListener).
func (r *procRunner) hostToPlugin(network, addr string) (string, string, error) {
	if network != "unix" || !r.translate {
		return network, addr, nil
	}
	root := "/proc/" + strconv.Itoa(r.pid) + "/root"
	f, err := os.CreateTemp(root+"/tmp", "nsh-host-")
	if err != nil {
		return "", "", err
	}
	path := f.Name()
	f.Close()
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return "", "", err
	}
	r.mu.Lock()
	if r.extra != nil {
		r.extra.Close()
	}
	r.extra = ln
	r.mu.Unlock()
	return network, path[len(root):], nil
}

// takeListener is the listener hostToPlugin made for the last offer, if any.
func (r *procRunner) takeListener() net.Listener {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ln := r.extra
	r.extra = nil
	return ln
}
