package podmantest

// Pods through the CRI plugin of the tests' containerd: its config points
// the plugin at a CNI config and a sandbox ("pause") image of the tests'
// own, and keeps what it makes under the temporary directory (netns
// mounts too, not /run/netns). Pods are made with RunPodSandbox, as the
// kubelet makes them, with the kubelet's labels.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/internal/nstest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// names of what the CRI plugin makes outside the temporary directory,
// one per test process: a bridge link and a cgroup.
func pauseImage() string   { return fmt.Sprintf("localhost/nsh-test-pause:%d", os.Getpid()) }
func bridgeName() string   { return fmt.Sprintf("nsh-cri-%d", os.Getpid()) }
func cgroupParent() string { return fmt.Sprintf("/nsh-test-%d", os.Getpid()) }

// criConfig writes containerd's config and the CNI config into dir and
// returns the config's path.
//
// The CNI config has a bridge with no address and no gateway, and
// loopback: containerd 1.6 refuses a pod whose CNI result has no eth0
// with an address ("failed to find network info for sandbox"), so
// loopback alone does not do. The bridge has no address and the pod no
// default route: nothing leaves the bridge. 198.51.100.0/24 is TEST-NET-2
// (the VM's own network is TEST-NET-1).
//
// restrict_oom_score_adj: the CRI plugin gives a sandbox -998, and this
// VM gives root no CAP_SYS_RESOURCE to lower a score (runc fails with
// "can't get final child's PID from pipe").
func criConfig(dir string) (string, error) {
	cni := filepath.Join(dir, "cni")
	if err := os.MkdirAll(cni, 0o755); err != nil {
		return "", err
	}
	net := fmt.Sprintf(`{"cniVersion": "0.4.0", "name": "nsh-test", "plugins": [
  {"type": "bridge", "bridge": %q, "isGateway": false, "ipMasq": false,
   "ipam": {"type": "host-local", "subnet": "198.51.100.0/24", "dataDir": %q}},
  {"type": "loopback"}]}
`, bridgeName(), filepath.Join(dir, "ipam"))
	if err := os.WriteFile(filepath.Join(cni, "10-nsh-test.conflist"), []byte(net), 0o644); err != nil {
		return "", err
	}
	conf := fmt.Sprintf(`version = 2
[plugins."io.containerd.internal.v1.opt"]
  path = %q
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  netns_mounts_under_state_dir = true
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %q
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
`, filepath.Join(dir, "ctd-opt"), pauseImage(), cni)
	path := filepath.Join(dir, "containerd.toml")
	return path, os.WriteFile(path, []byte(conf), 0o644)
}

// criCleanup removes what the CRI plugin left outside the temporary
// directory once containerd is stopped: the bridge (the CNI bridge plugin
// never deletes it), the pods' parent cgroups, the pause image in podman.
func criCleanup() {
	exec.Command("ip", "link", "del", bridgeName()).Run()
	cgs, _ := filepath.Glob("/sys/fs/cgroup/*" + cgroupParent())
	more, _ := filepath.Glob("/sys/fs/cgroup" + cgroupParent())
	for _, d := range append(cgs, more...) {
		os.Remove(d)
	}
	if shared.criDone && shared.criErr == nil {
		exec.Command("podman", "rmi", "-f", pauseImage()).Run()
	}
}

// removePods removes the pods a test left (one that died before its
// cleanup), while containerd still runs: their shims would outlive it.
func removePods(sock string) {
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return
	}
	defer conn.Close()
	rt := cri.NewRuntimeServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := rt.ListPodSandbox(ctx, &cri.ListPodSandboxRequest{})
	if err != nil {
		return
	}
	for _, p := range l.Items {
		rt.StopPodSandbox(ctx, &cri.StopPodSandboxRequest{PodSandboxId: p.Id})
		rt.RemovePodSandbox(ctx, &cri.RemovePodSandboxRequest{PodSandboxId: p.Id})
	}
}

// CRI returns the socket of the tests' containerd with its CRI plugin
// ready for pods: the pause image imported into namespace k8s.io.
func CRI(t testing.TB) string {
	t.Helper()
	sock := Containerd(t)
	nstest.RequireTool(t, "ip")
	nstest.RequireTool(t, "/usr/lib/cni/bridge") // containernetworking-plugins
	once(t, &shared.criDone, &shared.criErr, func() error { return importPause(sock) })
	return sock
}

// importPause makes the sandbox image from the busybox rootfs Image made:
// it only sleeps, as pause does.
func importPause(sock string) error {
	dir, err := tmpdir()
	if err != nil {
		return err
	}
	if err := importRootfs(filepath.Join(dir, "rootfs"), pauseImage(), `CMD=["/bin/sleep","2147483647"]`); err != nil {
		return err
	}
	archive := filepath.Join(dir, "pause.tar")
	if _, err := podman("save", "--format", "oci-archive", "-o", archive, pauseImage()); err != nil {
		return err
	}
	if out, err := exec.Command("ctr", "-a", sock, "-n", "k8s.io", "images", "import", "--base-name", strings.Split(pauseImage(), ":")[0], archive).CombinedOutput(); err != nil {
		return fmt.Errorf("ctr images import: %v: %s", err, out)
	}
	return nil
}

// Pod is a pod sandbox a test made.
type Pod struct {
	Namespace, Name, ID string
	PID                 int // the sandbox's process, as containerd's task list has it
	sock                string
	config              *cri.PodSandboxConfig
}

// criClient connects to the CRI service on sock.
func criClient(t testing.TB, sock string) cri.RuntimeServiceClient {
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return cri.NewRuntimeServiceClient(conn)
}

// RunPod makes a ready pod sandbox NS/NAME (hostname NAME-host) with
// RunPodSandbox, and stops and removes it when the test ends.
func RunPod(t testing.TB, ns, name string) *Pod {
	t.Helper()
	sock := CRI(t)
	rt := criClient(t, sock)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	config := &cri.PodSandboxConfig{
		Metadata: &cri.PodSandboxMetadata{Name: name, Namespace: ns, Uid: fmt.Sprintf("nsh-test-%s-%s", ns, name)},
		Hostname: name + "-host",
		Labels:   map[string]string{"io.kubernetes.pod.namespace": ns, "io.kubernetes.pod.name": name},
		Linux:    &cri.LinuxPodSandboxConfig{CgroupParent: cgroupParent()},
	}
	r, err := rt.RunPodSandbox(ctx, &cri.RunPodSandboxRequest{Config: config})
	if r != nil && r.PodSandboxId != "" {
		RemovePodLater(t, sock, r.PodSandboxId)
	}
	if err != nil {
		t.Fatalf("RunPodSandbox %s/%s: %v", ns, name, err)
	}
	return &Pod{Namespace: ns, Name: name, ID: r.PodSandboxId, PID: taskPID(t, sock, r.PodSandboxId), sock: sock, config: config}
}

// taskPID is the pid of task id in containerd's namespace k8s.io.
func taskPID(t testing.TB, sock, id string) int {
	t.Helper()
	out, err := exec.Command("ctr", "-a", sock, "-n", "k8s.io", "task", "ls").CombinedOutput()
	if err != nil {
		t.Fatalf("ctr task ls: %v: %s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == id {
			pid, _ := strconv.Atoi(f[1])
			return pid
		}
	}
	t.Fatalf("no task %s in: %s", id, out)
	return 0
}

// RunInPod starts a container NAME of the pause image in pod p (its own
// mount and pid namespaces, the pod's network, uts and ipc) and returns
// its pid; removing the pod removes it.
func RunInPod(t testing.TB, p *Pod, name string) int {
	t.Helper()
	rt := criClient(t, p.sock)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := rt.CreateContainer(ctx, &cri.CreateContainerRequest{
		PodSandboxId: p.ID,
		Config: &cri.ContainerConfig{
			Metadata: &cri.ContainerMetadata{Name: name},
			Image:    &cri.ImageSpec{Image: pauseImage()},
			Command:  []string{"/bin/sleep", "3600"},
		},
		SandboxConfig: p.config,
	})
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	if _, err := rt.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: c.ContainerId}); err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	return taskPID(t, p.sock, c.ContainerId)
}

// RemovePodLater stops and removes sandbox id when the test ends.
func RemovePodLater(t testing.TB, sock, id string) {
	rt := criClient(t, sock)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := rt.StopPodSandbox(ctx, &cri.StopPodSandboxRequest{PodSandboxId: id}); err != nil {
			t.Errorf("StopPodSandbox: %v", err)
		}
		if _, err := rt.RemovePodSandbox(ctx, &cri.RemovePodSandboxRequest{PodSandboxId: id}); err != nil {
			t.Errorf("RemovePodSandbox: %v", err)
		}
	})
}

// StopPod stops a pod's sandbox (it stays, NOTREADY).
func StopPod(t testing.TB, p *Pod) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := criClient(t, CRI(t)).StopPodSandbox(ctx, &cri.StopPodSandboxRequest{PodSandboxId: p.ID}); err != nil {
		t.Fatal(err)
	}
}
