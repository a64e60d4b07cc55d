package nsinfo

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// pod:[NAMESPACE/]NAME is namespace default when left out, and the
// sockets are crictl's: $CONTAINER_RUNTIME_ENDPOINT, else containerd's
// then CRI-O's.
func TestPodWords(t *testing.T) {
	for word, want := range map[string]string{"web": "default/web", "kube-system/coredns-1": "kube-system/coredns-1"} {
		ns, name, err := podRef(word)
		if err != nil || ns+"/"+name != want {
			t.Errorf("podRef(%q) = %q %q %v, want %s", word, ns, name, err, want)
		}
	}
	for _, bad := range []string{"", "/web", "ns/", "a/b/c"} {
		if _, _, err := podRef(bad); err == nil {
			t.Errorf("podRef(%q) took it", bad)
		}
	}
	env := map[string]string{}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if got := Sockets("pod", getenv); !slices.Equal(got, []string{"/run/containerd/containerd.sock", "/var/run/crio/crio.sock"}) {
		t.Errorf("default CRI sockets %q", got)
	}
	env["CONTAINER_RUNTIME_ENDPOINT"] = "unix:///tmp/x.sock"
	if got := Sockets("pod", getenv); !slices.Equal(got, []string{"/tmp/x.sock"}) {
		t.Errorf("CONTAINER_RUNTIME_ENDPOINT: sockets %q", got)
	}
	if e, n, ok := ContainerRef("pod:kube-system/dns"); !ok || e != "pod" || n != "kube-system/dns" {
		t.Errorf("ContainerRef(pod:...) = %q %q %v", e, n, ok)
	}
}

// A socket nsh may not connect to is named with why, and the next one is
// still tried (root here passes any mode, so the dial's error is set by
// hand; TestPodErrors in builtins has the others for real).
func TestCRIWhy(t *testing.T) {
	c := &criConn{sock: "/run/x.sock", dialErr: syscall.EACCES}
	if msg, next := c.why(status.Error(codes.Unavailable, "connection error"), time.Second); msg != "permission denied" || !next {
		t.Errorf("EACCES: %q, next %v", msg, next)
	}
	c.dialErr = nil
	if msg, next := c.why(status.Error(codes.DeadlineExceeded, "x"), 3*time.Second); msg != "no answer in 3s" || next {
		t.Errorf("deadline: %q, next %v", msg, next)
	}
}

// criNoInfra answers as CRI-O does for a pod with no infra container: a
// ready sandbox whose verbose status has no pid, and one running
// container whose status has one (this test's own process).
type criNoInfra struct {
	cri.UnimplementedRuntimeServiceServer
	listed *cri.ContainerFilter
}

func (s *criNoInfra) ListPodSandbox(_ context.Context, r *cri.ListPodSandboxRequest) (*cri.ListPodSandboxResponse, error) {
	return &cri.ListPodSandboxResponse{Items: []*cri.PodSandbox{{Id: "sb1", State: cri.PodSandboxState_SANDBOX_READY, Labels: r.Filter.LabelSelector}}}, nil
}

func (s *criNoInfra) PodSandboxStatus(context.Context, *cri.PodSandboxStatusRequest) (*cri.PodSandboxStatusResponse, error) {
	return &cri.PodSandboxStatusResponse{Status: &cri.PodSandboxStatus{Id: "sb1"}, Info: map[string]string{"info": `{"runtimeSpec": {}}`}}, nil
}

func (s *criNoInfra) ListContainers(_ context.Context, r *cri.ListContainersRequest) (*cri.ListContainersResponse, error) {
	s.listed = r.Filter
	return &cri.ListContainersResponse{Containers: []*cri.Container{{Id: "c1", PodSandboxId: "sb1"}}}, nil
}

func (s *criNoInfra) ContainerStatus(context.Context, *cri.ContainerStatusRequest) (*cri.ContainerStatusResponse, error) {
	return &cri.ContainerStatusResponse{Info: map[string]string{"info": fmt.Sprintf(`{"pid": %d}`, os.Getpid())}}, nil
}

// A pod with no sandbox process (CRI-O's drop_infra_ctr) is joined
// through its running container. containerd, which the builtins tests
// run for real, always has the sandbox's; this path needs CRI-O, which
// is not on these machines, so a server that answers as it does stands
// in.
func TestPodWithoutInfraContainer(t *testing.T) {
	fake := &criNoInfra{}
	getenv := serveCRI(t, fake)
	c, err := RunningPID("pod", "kube-system/dns", getenv)
	if err != nil {
		t.Fatal(err)
	}
	if c.PID != os.Getpid() || c.ID != "sb1" || c.Label() != "pod:kube-system/dns" {
		t.Errorf("got %+v", c)
	}
	if f := fake.listed; f == nil || f.PodSandboxId != "sb1" || f.State.GetState() != cri.ContainerState_CONTAINER_RUNNING {
		t.Errorf("ListContainers filter %v", f)
	}
}

// serveCRI serves fake as a CRI runtime service on a socket of the test's
// and returns the environment that points nsh at it.
func serveCRI(t *testing.T, fake cri.RuntimeServiceServer) Getenv {
	sock := filepath.Join(t.TempDir(), "cri.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	cri.RegisterRuntimeServiceServer(srv, fake)
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return func(k string) (string, bool) { return "unix://" + sock, k == "CONTAINER_RUNTIME_ENDPOINT" }
}

// criRecorder answers with every field cri-api has for the messages nsh
// reads by hand (cri_wire.go), and keeps the requests as cri-api decoded
// them: the two ends must agree on each field nsh uses.
type criRecorder struct {
	cri.UnimplementedRuntimeServiceServer
	lists    []*cri.PodSandboxFilter
	statuses []*cri.PodSandboxStatusRequest
}

func (s *criRecorder) ListPodSandbox(_ context.Context, r *cri.ListPodSandboxRequest) (*cri.ListPodSandboxResponse, error) {
	s.lists = append(s.lists, r.Filter)
	pod := func(id string, state cri.PodSandboxState, created int64, ns, name string) *cri.PodSandbox {
		return &cri.PodSandbox{
			Id: id, State: state, CreatedAt: created, RuntimeHandler: "runc",
			Metadata:    &cri.PodSandboxMetadata{Name: name + "-meta", Uid: "u-" + id, Namespace: ns + "-meta", Attempt: 2},
			Labels:      map[string]string{PodNamespaceLabel: ns, PodNameLabel: name, "app": "x"},
			Annotations: map[string]string{"a": "b"},
		}
	}
	return &cri.ListPodSandboxResponse{Items: []*cri.PodSandbox{
		pod("old", cri.PodSandboxState_SANDBOX_READY, 100, "kube-system", "dns"),
		pod("remade", cri.PodSandboxState_SANDBOX_NOTREADY, 300, "kube-system", "dns"),
		pod("ready", cri.PodSandboxState_SANDBOX_READY, 200, "kube-system", "dns"),
		{Id: "bare", Metadata: &cri.PodSandboxMetadata{Name: "web", Namespace: "default"}},
	}}, nil
}

func (s *criRecorder) PodSandboxStatus(_ context.Context, r *cri.PodSandboxStatusRequest) (*cri.PodSandboxStatusResponse, error) {
	s.statuses = append(s.statuses, r)
	return &cri.PodSandboxStatusResponse{
		Status:    &cri.PodSandboxStatus{Id: r.PodSandboxId, State: cri.PodSandboxState_SANDBOX_READY, CreatedAt: 200},
		Info:      map[string]string{"other": "{}", "info": fmt.Sprintf(`{"pid": %d, "runtimeSpec": {}}`, os.Getpid())},
		Timestamp: 7,
	}, nil
}

func TestCRIWire(t *testing.T) {
	rec := &criRecorder{}
	getenv := serveCRI(t, rec)

	c, err := RunningPID("pod", "kube-system/dns", getenv)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "ready" || c.PID != os.Getpid() || c.Label() != "pod:kube-system/dns" {
		t.Errorf("got %+v, want the newest ready sandbox and its pid", c)
	}
	if len(rec.lists) != 1 || rec.lists[0].State != nil || rec.lists[0].Id != "" ||
		len(rec.lists[0].LabelSelector) != 2 || rec.lists[0].LabelSelector[PodNamespaceLabel] != "kube-system" || rec.lists[0].LabelSelector[PodNameLabel] != "dns" {
		t.Errorf("ListPodSandbox filter %v", rec.lists)
	}
	if len(rec.statuses) != 1 || rec.statuses[0].PodSandboxId != "ready" || !rec.statuses[0].Verbose {
		t.Errorf("PodSandboxStatus requests %v", rec.statuses)
	}

	// Completion asks for ready sandboxes only; labels name a pod, else
	// its metadata does.
	pods := listPods(getenv, time.Second)
	if f := rec.lists[len(rec.lists)-1]; f.State == nil || f.State.State != cri.PodSandboxState_SANDBOX_READY || len(f.LabelSelector) != 0 {
		t.Errorf("completion's filter %v", f)
	}
	var got []string
	for _, p := range pods {
		got = append(got, p.Name+" "+p.ID)
	}
	slices.Sort(got) // sorted by name; pods of one name in any order
	want := []string{"default/web bare", "kube-system/dns old", "kube-system/dns ready", "kube-system/dns remade"}
	if !slices.Equal(got, want) {
		t.Errorf("listPods = %q, want %q", got, want)
	}
}

// A message cut short is an error, not a panic or a half-read pod.
func TestCRIWireMalformed(t *testing.T) {
	for _, b := range [][]byte{{0x0a}, {0x0a, 0x05, 0x01}, {0x08}, {0x0a, 0x02, 0x12, 0x7f}} {
		err := walk(b, func(n protowire.Number, v []byte, _ uint64) error {
			if n == 1 && v != nil {
				return walk(v, func(protowire.Number, []byte, uint64) error { return nil })
			}
			return nil
		})
		if err == nil {
			t.Errorf("walk(% x) took it", b)
		}
	}
}
