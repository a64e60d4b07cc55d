// Package podmantest runs real podman containers for tests: an image
// imported from a busybox-static rootfs the tests build, containers run
// with runc and no network (what this VM allows), and podman system
// service for the Docker Engine API. A package's TestMain calls Main, so
// that the image and the service are made once and removed at the end;
// each container is removed when its test ends, also when it fails.
package podmantest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/internal/nstest"
	"golang.org/x/sys/unix"
)

// RunFlags are what podman run needs on these machines: runc, no network,
// and limits the VM accepts (it refuses podman's defaults).
var RunFlags = []string{"--runtime", "runc", "--network", "none",
	"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"}

var shared struct {
	sync.Mutex
	image   string
	svc     *exec.Cmd
	sock    string
	ctd     *exec.Cmd
	ctdSock string
	ctdErr  error
	ctdDone bool
	criErr  error
	criDone bool
	dir     string
	imgErr  error
	svcErr  error
	imgDone bool
	svcDone bool
}

// Main runs the tests, then removes the image and stops the service.
func Main(m *testing.M) int {
	code := m.Run()
	shared.Lock()
	defer shared.Unlock()
	if shared.svc != nil {
		shared.svc.Process.Kill()
		shared.svc.Wait()
	}
	if shared.ctd != nil {
		// Its tasks are gone (each test's cleanup); images and
		// snapshots go with its directory.
		exec.Command("ctr", "-a", shared.ctdSock, "-n", CtdNamespace, "images", "rm", shared.image).Run()
		removePods(shared.ctdSock)
		shared.ctd.Process.Kill()
		shared.ctd.Wait()
		criCleanup()
	}
	if shared.image != "" {
		exec.Command("podman", "rmi", "-f", shared.image).Run()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	return code
}

func podman(args ...string) (string, error) {
	out, err := exec.Command("podman", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("podman %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func tmpdir() (string, error) {
	if shared.dir == "" {
		d, err := os.MkdirTemp("", "nsh-podman-")
		if err != nil {
			return "", err
		}
		shared.dir = d
	}
	return shared.dir, nil
}

// once runs fn the first time (done), and fails every test after an
// error of it.
func once(t testing.TB, done *bool, errp *error, fn func() error) {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !*done {
		*done = true
		*errp = fn()
	}
	if *errp != nil {
		t.Fatal(*errp)
	}
}

// Image returns the test image, imported on first use.
func Image(t testing.TB) string {
	t.Helper()
	nstest.RequireRoot(t)
	nstest.RequireTool(t, "podman")
	nstest.RequireTool(t, "runc")
	bb := nstest.RequireTool(t, "busybox")
	once(t, &shared.imgDone, &shared.imgErr, func() error { return makeImage(bb) })
	return shared.image
}

func makeImage(bb string) error {
	sweep()
	dir, err := tmpdir()
	if err != nil {
		return err
	}
	root := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "etc", "proc", "sys", "dev", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), data, 0o755); err != nil {
		return err
	}
	for _, a := range []string{"sh", "sleep", "hostname", "ip", "cat", "ls", "true"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", a)); err != nil {
			return err
		}
	}
	tag := fmt.Sprintf("localhost/nsh-test-bb:%d", os.Getpid())
	if err := importRootfs(root, tag); err != nil {
		return err
	}
	shared.image = tag
	return nil
}

// sweep removes what a test process that was killed left behind (Main
// never ran): containers named nsh-test-PID-* and images tagged PID, for a
// PID that no longer runs. Other packages' tests, running at the same
// time, have live pids and are left alone.
func sweep() {
	out, _ := podman("ps", "-a", "--format", "{{.Names}}")
	for _, name := range strings.Fields(out) {
		rest, ok := strings.CutPrefix(name, "nsh-test-")
		if pid, _, _ := strings.Cut(rest, "-"); ok && gone(pid) {
			podman("rm", "-f", "-t", "0", name)
		}
	}
	out, _ = podman("images", "--format", "{{.Repository}}:{{.Tag}}")
	for _, ref := range strings.Fields(out) {
		repo, pid, _ := strings.Cut(ref, ":")
		if strings.HasPrefix(repo, "localhost/nsh-test-") && gone(pid) {
			podman("rmi", "-f", ref)
		}
	}
}

func gone(pid string) bool {
	n, err := strconv.Atoi(pid)
	return err == nil && n > 0 && unix.Kill(n, 0) == unix.ESRCH
}

// importRootfs makes image tag of directory root with podman import
// (changes: its --change instructions).
func importRootfs(root, tag string, changes ...string) error {
	tar := exec.Command("tar", "-C", root, "-c", ".")
	args := []string{"import"}
	for _, c := range changes {
		args = append(args, "--change", c)
	}
	imp := exec.Command("podman", append(args, "-", tag)...)
	pipe, err := tar.StdoutPipe()
	if err != nil {
		return err
	}
	imp.Stdin = pipe
	if err := tar.Start(); err != nil {
		return err
	}
	out, ierr := imp.CombinedOutput()
	terr := tar.Wait()
	if ierr != nil || terr != nil {
		return fmt.Errorf("podman import: %v %v: %s", ierr, terr, out)
	}
	return nil
}

// Container is a running test container.
type Container struct {
	Name, ID string
	PID      int
}

// Run starts a container of the test image running sleep, with hostname
// NAME-host, and removes it when the test ends.
func Run(t testing.TB, extra ...string) *Container {
	t.Helper()
	img := Image(t)
	name := fmt.Sprintf("nsh-test-%d-%d", os.Getpid(), time.Now().UnixNano()%1e9)
	args := append([]string{"run", "-d", "--name", name, "--hostname", name + "-host"}, RunFlags...)
	args = append(append(args, extra...), img, "/bin/sleep", "3600")
	t.Cleanup(func() { exec.Command("podman", "rm", "-f", "-t", "0", name).Run() })
	id, err := podman(args...)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := podman("inspect", "-f", "{{.State.Pid}}", name)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(ps)
	if err != nil || pid <= 0 {
		t.Fatalf("podman inspect pid: %q", ps)
	}
	return &Container{Name: name, ID: id, PID: pid}
}

// Stop stops a container (it stays, exited).
func Stop(t testing.TB, c *Container) {
	t.Helper()
	if _, err := podman("stop", "-t", "0", c.Name); err != nil {
		t.Fatal(err)
	}
}

// Exec runs a program in the container and returns its output.
func Exec(t testing.TB, c *Container, argv ...string) string {
	t.Helper()
	out, err := podman(append([]string{"exec", c.Name}, argv...)...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Service returns the socket of a podman system service, started on
// first use; Main stops it.
func Service(t testing.TB) string {
	t.Helper()
	Image(t)
	once(t, &shared.svcDone, &shared.svcErr, startService)
	return shared.sock
}

func startService() error {
	dir, err := tmpdir()
	if err != nil {
		return err
	}
	sock := filepath.Join(dir, "podman.sock")
	cmd := exec.Command("podman", "system", "service", "--time=0", "unix://"+sock)
	if err := cmd.Start(); err != nil {
		return err
	}
	shared.svc = cmd
	for range 100 {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			shared.sock = sock
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("podman system service did not listen on %s", sock)
}

// CtdNamespace is the containerd namespace the tests' containers are in.
const CtdNamespace = "nshtest"

// Containerd returns the socket of a containerd of the tests' own (its
// root and state in a temporary directory), with the test image imported,
// started on first use; Main stops it.
func Containerd(t testing.TB) string {
	t.Helper()
	img := Image(t)
	nstest.RequireTool(t, "containerd")
	nstest.RequireTool(t, "ctr")
	once(t, &shared.ctdDone, &shared.ctdErr, func() error { return startContainerd(img) })
	return shared.ctdSock
}

func startContainerd(img string) error {
	dir, err := tmpdir()
	if err != nil {
		return err
	}
	sock := filepath.Join(dir, "containerd.sock")
	conf, err := criConfig(dir)
	if err != nil {
		return err
	}
	// --config last: .ci/run looks for "containerd --root" among processes.
	cmd := exec.Command("containerd", "--root", filepath.Join(dir, "ctd-root"), "--state", filepath.Join(dir, "ctd-state"), "--address", sock, "--config", conf)
	if err := cmd.Start(); err != nil {
		return err
	}
	shared.ctd = cmd
	up := false
	for range 100 {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			up = true
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !up {
		return fmt.Errorf("containerd did not listen on %s", sock)
	}
	shared.ctdSock = sock
	archive := filepath.Join(dir, "image.tar")
	if _, err := podman("save", "--format", "oci-archive", "-o", archive, img); err != nil {
		return err
	}
	if out, err := exec.Command("ctr", "-a", sock, "-n", CtdNamespace, "images", "import", "--base-name", strings.Split(img, ":")[0], archive).CombinedOutput(); err != nil {
		return fmt.Errorf("ctr images import: %v: %s", err, out)
	}
	return nil
}

// RunContainerd starts a containerd task of the test image running sleep
// and returns its pid; the task and container are removed when the test
// ends.
func RunContainerd(t testing.TB, id string) int {
	t.Helper()
	sock := Containerd(t)
	ctr := func(args ...string) (string, error) {
		out, err := exec.Command("ctr", append([]string{"-a", sock, "-n", CtdNamespace}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	t.Cleanup(func() {
		ctr("task", "kill", "-s", "SIGKILL", id)
		for range 50 {
			if _, err := ctr("task", "delete", id); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		ctr("container", "delete", id)
	})
	if out, err := ctr("run", "-d", shared.image, id, "/bin/sleep", "3600"); err != nil {
		t.Fatalf("ctr run: %v: %s", err, out)
	}
	out, err := ctr("task", "ls")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == id {
			pid, _ := strconv.Atoi(f[1])
			return pid
		}
	}
	t.Fatalf("no task %s in: %s", id, out)
	return 0
}

// Daemon reports whether pid is the podman service or the containerd
// that Main stops, so that tests which end their stray children spare
// them.
func Daemon(pid int) bool {
	shared.Lock()
	defer shared.Unlock()
	for _, c := range []*exec.Cmd{shared.svc, shared.ctd} {
		if c != nil && c.Process != nil && c.Process.Pid == pid {
			return true
		}
	}
	return false
}
