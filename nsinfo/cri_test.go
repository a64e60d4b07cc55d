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
	sock := filepath.Join(t.TempDir(), "crio.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	fake := &criNoInfra{}
	cri.RegisterRuntimeServiceServer(srv, fake)
	go srv.Serve(l)
	defer srv.Stop()
	getenv := func(k string) (string, bool) { return "unix://" + sock, k == "CONTAINER_RUNTIME_ENDPOINT" }
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
