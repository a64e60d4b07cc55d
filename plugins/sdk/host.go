package sdk

import (
	"context"
	"errors"
	"fmt"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
)

// Host is nsh, asked by a command during its call (Call.Host) or its
// completion (CompleteCall.Host).
type Host interface {
	// Where says where the shell's namespace context is: for a call, as
	// it was when the call started (a background call keeps its context
	// while the shell moves on).
	Where(ctx context.Context) (*Where, error)
}

// Where is the namespace context of a call.
type Where struct {
	Away  []Namespace // the kinds not at nsh's home, in nsh's order of kinds
	Depth int         // entries on the push stack (push, pop)
	Cwd   string      // the working directory in the context
	Pins  []Pin       // the pinned namespaces (pin, ip netns add)
}

// Namespace is a kind of namespace that is not nsh's home one.
type Namespace struct {
	Kind     string   // mnt, uts, ipc, net, pid, user, cgroup, time
	Dev, Ino uint64   // its identity
	Names    []string // for net: its ip netns names, sorted
	Pending  bool     // a new pid namespace with no process yet
}

// Pin is a namespace pinned with a bind mount.
type Pin struct {
	Path    string
	Kind    string
	Ino     uint64
	Inside  bool // in the context's mount namespace, not nsh's home one
	Current bool // it is the call's namespace of its kind
}

// Away returns the context's namespace of kind, if it is not nsh's home
// one.
func (w *Where) Kind(kind string) (Namespace, bool) {
	for _, ns := range w.Away {
		if ns.Kind == kind {
			return ns, true
		}
	}
	return Namespace{}, false
}

// ErrOldHost is what the host API returns (wrapped, with the versions)
// when the nsh running the plugin is older than the host API.
var ErrOldHost = errors.New("this nsh is too old for the host API")

// hostMinor is the protocol minor that brought the host API.
const hostMinor = 2

// remoteHost is the host API of a plugin process: a connection to the
// Host service nsh serves through go-plugin's broker, made at the first
// use and kept for the process's later calls.
type remoteHost struct {
	s     *server
	minor uint32                 // what the host speaks (0: before 1.2)
	ask   func() (uint32, error) // a broker id of the service, from nsh
}

func (h *remoteHost) Where(ctx context.Context) (*Where, error) {
	if h.minor < hostMinor {
		// An nsh before 1.2 sends no minor at all: it may speak 1.0 or 1.1.
		return nil, fmt.Errorf("%w (Where needs plugin protocol 1.%d; update nsh)", ErrOldHost, hostMinor)
	}
	cl, err := h.s.hostClient(h.ask)
	if err != nil {
		return nil, err
	}
	r, err := cl.Where(ctx, &pluginv1.WhereRequest{})
	if err != nil {
		if grpcstatus.Code(err) == codes.Unavailable {
			h.s.dropHost() // the connection broke: ask afresh next time
		}
		return nil, fmt.Errorf("the host API: %s", grpcstatus.Convert(err).Message())
	}
	w := &Where{Depth: int(r.Depth), Cwd: r.Cwd}
	for _, ns := range r.Away {
		w.Away = append(w.Away, Namespace{ns.Kind, ns.Dev, ns.Ino, ns.Names, ns.Pending})
	}
	for _, p := range r.Pins {
		w.Pins = append(w.Pins, Pin{p.Path, p.Kind, p.Ino, p.Inside, p.Current})
	}
	return w, nil
}

// UseBroker is how the process's go-plugin broker reaches the server.
func (s *server) UseBroker(b *plugin.GRPCBroker) { s.broker = b }

// hostClient is the process's connection to the host API, dialed at the
// first use with the broker id ask gets from nsh.
func (s *server) hostClient(ask func() (uint32, error)) (pluginv1.HostClient, error) {
	s.hostMu.Lock()
	defer s.hostMu.Unlock()
	if s.host != nil {
		return s.host, nil
	}
	id, err := ask()
	if err != nil {
		return nil, err
	}
	if id == 0 || s.broker == nil {
		return nil, errors.New("nsh could not offer the host API (its log says why)")
	}
	conn, err := s.broker.Dial(id)
	if err != nil {
		return nil, fmt.Errorf("connecting to the host API: %v", err)
	}
	s.hostConn, s.host = conn, pluginv1.NewHostClient(conn)
	return s.host, nil
}

func (s *server) dropHost() {
	s.hostMu.Lock()
	defer s.hostMu.Unlock()
	if s.hostConn != nil {
		s.hostConn.Close()
	}
	s.hostConn, s.host = nil, nil
}

// askOnStream asks nsh for the host API on a call's Run stream.
func askOnStream(ctx context.Context, out *sender, in *stdin) func() (uint32, error) {
	return func() (uint32, error) {
		if !in.running() {
			return 0, errors.New("the call is over: nsh answers the host API during a call")
		}
		if err := out.send(&pluginv1.Output{Msg: &pluginv1.Output_Host{Host: true}}); err != nil {
			return 0, err
		}
		select {
		case id := <-in.host:
			return id, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(10 * time.Second):
			return 0, errors.New("nsh did not answer the request for the host API")
		}
	}
}

// offered is the broker id a completion request carries.
func offered(id uint32) func() (uint32, error) {
	return func() (uint32, error) { return id, nil }
}

// noHost is the host API where there is none: a call made by a test
// that gave no host.
type noHost struct{}

func (noHost) Where(context.Context) (*Where, error) {
	return nil, errors.New("no nsh host API here (in a test, give sdktest.Call a Where)")
}

// SetHost makes h the host API of c: for tests (package sdktest), not
// for plugins.
func SetHost(c *Call, h Host) { c.host = h }
