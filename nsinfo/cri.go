package nsinfo

// pod:[NAMESPACE/]NAME: a Kubernetes pod's sandbox, found through a CRI
// runtime service (containerd's CRI plugin, CRI-O) the way crictl finds
// it: ListPodSandbox by the kubelet's labels, then PodSandboxStatus's
// verbose info for the sandbox's pid. The few messages and fields nsh
// needs are written and read with protowire (cri_wire.go), as
// containerd.go does, over the gRPC nsh already has (plugins):
// k8s.io/cri-api's generated package registers its whole descriptor at
// init, which every start of nsh paid (about 0.7 ms of `nsh -c true`,
// docs/benchmarks.md) for a word few scripts use. The tests speak
// cri-api's own types to the same runtime, so the two must agree.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// The labels the kubelet gives every pod sandbox.
const (
	PodNamespaceLabel = "io.kubernetes.pod.namespace"
	PodNameLabel      = "io.kubernetes.pod.name"
)

// criSockets: $CONTAINER_RUNTIME_ENDPOINT as crictl reads it (a unix://
// address), else containerd's socket (its CRI plugin) and CRI-O's.
func criSockets(getenv Getenv) []string {
	if a, ok := getenv("CONTAINER_RUNTIME_ENDPOINT"); ok && a != "" {
		return []string{strings.TrimPrefix(a, "unix://")}
	}
	return []string{"/run/containerd/containerd.sock", "/var/run/crio/crio.sock"}
}

// criConn is a connection to one CRI socket. dialErr keeps why the socket
// could not be reached, which gRPC's Unavailable only quotes.
type criConn struct {
	sock    string
	conn    *grpc.ClientConn
	mu      sync.Mutex
	dialErr error
}

func dialCRI(sock string) (*criConn, error) {
	c := &criConn{sock: sock}
	dial := func(ctx context.Context, _ string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "unix", sock)
		if err != nil {
			var se *os.SyscallError
			if errors.As(err, &se) {
				err = se.Err
			}
			c.mu.Lock()
			c.dialErr = err
			c.mu.Unlock()
		}
		return conn, err
	}
	conn, err := grpc.NewClient("passthrough:///cri", grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithContextDialer(dial))
	if err != nil {
		return nil, err
	}
	c.conn = conn
	return c, nil
}

// call invokes method of runtime.v1.RuntimeService with the request req
// and returns the response's bytes.
func (c *criConn) call(ctx context.Context, method string, req []byte) ([]byte, error) {
	var resp []byte
	err := c.conn.Invoke(ctx, "/runtime.v1.RuntimeService/"+method, &req, &resp, grpc.ForceCodec(rawCodec{}))
	return resp, err
}

// why turns a failed call into a few words, and says whether another
// socket may still serve (nothing listens here, or no CRI service).
func (c *criConn) why(err error, timeout time.Duration) (msg string, next bool) {
	c.mu.Lock()
	de := c.dialErr
	c.mu.Unlock()
	st, _ := status.FromError(err)
	switch {
	case de != nil:
		return de.Error(), true
	case st.Code() == codes.Unimplemented:
		return "no CRI runtime service there", true
	case st.Code() == codes.DeadlineExceeded:
		return fmt.Sprintf("no answer in %v", timeout), false
	}
	return st.Message(), false
}

// podRef splits [NAMESPACE/]NAME; NAMESPACE is "default" when left out,
// as kubectl takes it.
func podRef(word string) (ns, name string, err error) {
	ns, name, ok := strings.Cut(word, "/")
	if !ok {
		ns, name = "default", word
	}
	if ns == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("pod:%s: want pod:[NAMESPACE/]NAME", word)
	}
	return ns, name, nil
}

// inspectPod finds the ready sandbox of pod NS/NAME and its pid through
// the first CRI socket that serves, with ContainerTimeout for each.
func inspectPod(word string, getenv Getenv) (*Container, error) {
	ns, name, err := podRef(word)
	if err != nil {
		return nil, err
	}
	label := "pod:" + ns + "/" + name
	var tried []string
	for _, sock := range criSockets(getenv) {
		c, err := podOn(sock, ns, name, label)
		var se *socketError
		if !errors.As(err, &se) {
			return c, err
		}
		tried = append(tried, sock+": "+se.msg)
		if !se.next {
			break
		}
	}
	return nil, fmt.Errorf("%s: no CRI runtime answered (%s); set CONTAINER_RUNTIME_ENDPOINT to its unix:// socket", label, strings.Join(tried, "; "))
}

// socketError is a socket that did not serve; next: try the next one.
type socketError struct {
	msg  string
	next bool
}

func (e *socketError) Error() string { return e.msg }

func podOn(sock, ns, name, label string) (*Container, error) {
	c, err := dialCRI(sock)
	if err != nil {
		return nil, &socketError{err.Error(), true}
	}
	defer c.conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), ContainerTimeout)
	defer cancel()
	l, err := c.listPods(ctx, podFilter{labels: map[string]string{PodNamespaceLabel: ns, PodNameLabel: name}})
	if err != nil {
		msg, next := c.why(err, ContainerTimeout)
		return nil, &socketError{msg, next}
	}
	// A pod that was re-made has older sandboxes, NOTREADY: the newest
	// ready one is the pod's.
	var ready, any *podSandbox
	for _, p := range l {
		if any == nil || p.createdAt > any.createdAt {
			any = p
		}
		if p.state == sandboxReady && (ready == nil || p.createdAt > ready.createdAt) {
			ready = p
		}
	}
	if ready == nil {
		if any != nil {
			return nil, fmt.Errorf("%s: its sandbox is not ready (asked %s)", label, sock)
		}
		return nil, fmt.Errorf("%s: %w (no pod of that namespace and name; asked %s)", label, ErrNoPod, sock)
	}
	info, err := c.verboseInfo(ctx, "PodSandboxStatus", ready.id)
	if err != nil {
		msg, _ := c.why(err, ContainerTimeout)
		return nil, fmt.Errorf("%s: %s: %s", label, sock, msg)
	}
	// containerd and CRI-O both put the sandbox's pid in the JSON under
	// "info". CRI-O without an infra container (drop_infra_ctr, its
	// default) has no sandbox process: then a running container of the
	// pod's, which shares the pod's net, uts and ipc namespaces.
	pid := infoPID(info)
	if pid <= 0 {
		if pid, err = podContainerPID(ctx, c, ready.id); err != nil {
			return nil, fmt.Errorf("%s: %s gave no pid for sandbox %.12s, %v", label, sock, ready.id, err)
		}
	}
	return &Container{Engine: "pod", Name: ns + "/" + name, ID: ready.id, PID: pid, State: "running"}, nil
}

// infoPID reads "pid" of a verbose status's info JSON (0 if none).
func infoPID(info map[string]string) int {
	var v struct{ Pid int }
	json.Unmarshal([]byte(info["info"]), &v)
	return v.Pid
}

// podContainerPID is the pid of the oldest running container of sandbox
// id.
func podContainerPID(ctx context.Context, c *criConn, id string) (int, error) {
	l, err := c.runningContainers(ctx, id)
	if err != nil {
		msg, _ := c.why(err, ContainerTimeout)
		return 0, fmt.Errorf("and its containers: %s", msg)
	}
	slices.SortFunc(l, func(a, b criContainer) int { return cmp.Compare(a.createdAt, b.createdAt) })
	for _, k := range l {
		info, err := c.verboseInfo(ctx, "ContainerStatus", k.id)
		if err != nil {
			msg, _ := c.why(err, ContainerTimeout)
			return 0, fmt.Errorf("nor container %.12s: %s", k.id, msg)
		}
		if pid := infoPID(info); pid > 0 {
			return pid, nil
		}
	}
	return 0, errors.New("nor any running container of it")
}

// ErrNoPod is a pod the CRI runtime does not know.
var ErrNoPod = errors.New("no such pod")

// listPods returns the ready pods of the first CRI socket that answers,
// without pids (completion needs only their words).
func listPods(getenv Getenv, timeout time.Duration) []*Container {
	for _, sock := range criSockets(getenv) {
		var st syscall.Stat_t
		if syscall.Stat(sock, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
			continue
		}
		c, err := dialCRI(sock)
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		l, err := c.listPods(ctx, podFilter{readyOnly: true})
		cancel()
		c.conn.Close()
		if err != nil {
			continue
		}
		var out []*Container
		for _, p := range l {
			ns := cmp.Or(p.labels[PodNamespaceLabel], p.namespace)
			name := cmp.Or(p.labels[PodNameLabel], p.name)
			if ns != "" && name != "" {
				out = append(out, &Container{Engine: "pod", Name: ns + "/" + name, ID: p.id})
			}
		}
		slices.SortFunc(out, func(a, b *Container) int { return strings.Compare(a.Name, b.Name) })
		return out
	}
	return nil
}

// podOfShim names the pod of a containerd shim in namespace k8s.io: the
// CRI plugin starts it in the sandbox's bundle, whose config.json has the
// sandbox's name and namespace as annotations. nil if it is not one.
func podOfShim(pid string) *Container {
	// Not a link, not a FIFO that would hang the scan.
	fd, err := unix.Open("/proc/"+pid+"/cwd/config.json", unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), "config.json")
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	var spec struct{ Annotations map[string]string }
	if json.NewDecoder(io.LimitReader(f, 4<<20)).Decode(&spec) != nil {
		return nil
	}
	a := spec.Annotations
	ns, name, id := a["io.kubernetes.cri.sandbox-namespace"], a["io.kubernetes.cri.sandbox-name"], a["io.kubernetes.cri.sandbox-id"]
	if a["io.kubernetes.cri.container-type"] != "sandbox" || ns == "" || name == "" || id == "" {
		return nil
	}
	return &Container{Engine: "pod", Name: ns + "/" + name, ID: id}
}
