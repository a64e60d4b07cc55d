package builtins

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/internal/podmantest"
	"github.com/nsh-dev/nsh/nsfs"
	"github.com/nsh-dev/nsh/nsinfo"
	"golang.org/x/sys/unix"
)

// The package's podman image and service are made once and removed here.
func TestMain(m *testing.M) { os.Exit(podmantest.Main(m)) }

// noEngines points both engines at sockets that do not exist, so that a
// test sees only the engines it sets up.
func noEngines(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(dir, "docker.sock"))
	t.Setenv("CONTAINER_HOST", "unix://"+filepath.Join(dir, "podman.sock"))
}

// containerHarness runs a container and gives a harness that reaches the
// podman service through hostVar (DOCKER_HOST or CONTAINER_HOST) only.
func containerHarness(t *testing.T, hostVar string) (*harness, *podmantest.Container, string) {
	sock := podmantest.Service(t)
	c := podmantest.Run(t)
	h := newHarness(t)
	noEngines(t)
	t.Setenv(hostVar, "unix://"+sock)
	return h, c, sock
}

// setns podman:NAME through the API socket, then through podman inspect
// (no service), and docker:NAME against the same real server: programs
// see the container's hostname and links, and home gives the host's
// back.
func TestSetnsContainer(t *testing.T) {
	sock := podmantest.Service(t)
	c := podmantest.Run(t)
	h := newHarness(t)
	hostHost := h.ok("hostname")
	wantHost := podmantest.Exec(t, c, "hostname")
	wantLinks := podmantest.Exec(t, c, "ip", "-o", "link")
	check := func(how string) {
		t.Helper()
		if got := strings.TrimSpace(h.ok("hostname")); got != wantHost {
			t.Errorf("%s: hostname %q, container says %q", how, got, wantHost)
		}
		if got := strings.Fields(h.ok("ip -o link")); strings.Join(got[:2], " ") != strings.Join(strings.Fields(wantLinks)[:2], " ") || strings.Count(h.ok("ip -o link"), "\n") != strings.Count(wantLinks, "\n")+1 {
			t.Errorf("%s: ip -o link %q, container says %q", how, got, wantLinks)
		}
		h.ok("home")
		if got := h.ok("hostname"); got != hostHost {
			t.Errorf("%s: after home hostname %q, want %q", how, got, hostHost)
		}
	}
	noEngines(t)
	t.Setenv("CONTAINER_HOST", "unix://"+sock)
	h.ok("setns podman:" + c.Name)
	check("podman API")
	h.ok("setns podman:" + c.ID[:12] + " uts")
	if got := strings.TrimSpace(h.ok("hostname")); got != wantHost {
		t.Errorf("by id prefix, uts only: hostname %q", got)
	}
	h.ok("home")
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	h.ok("setns docker:" + c.Name)
	check("Docker API")
	// Tab offers the running containers.
	if ws := nsinfo.ContainerWords(os.LookupEnv); !slices.Contains(ws, "docker:"+c.Name) {
		t.Errorf("completion words %q lack docker:%s", ws, c.Name)
	}
	// The prompt's name for the network namespace.
	h.ok("setns docker:" + c.Name + " net")
	st, _ := h.ctx.Status()
	if got := nsinfo.NetnsOrContainer(st.Cur[nsfs.Net]); got != "docker:"+c.Name {
		t.Errorf("prompt name %q", got)
	}
	h.ok("home")
	t.Setenv("CONTAINER_HOST", "unix://"+filepath.Join(t.TempDir(), "none.sock"))
	h.ok("setns podman:" + c.Name)
	check("podman inspect")
	h.ok("setns -t podman:" + c.Name + " uts")
	if got := strings.TrimSpace(h.ok("hostname")); got != wantHost {
		t.Errorf("-t podman:NAME: hostname %q", got)
	}
}

// podman:NAME is exact: a container whose name holds another's (and a
// dot, which a name filter's regular expression would take for any
// character) is not taken for it, nor the other for it, nor a prefix.
func TestContainerExactName(t *testing.T) {
	h, c, _ := containerHarness(t, "CONTAINER_HOST")
	longer := c.Name + ".x"
	t.Cleanup(func() { exec.Command("podman", "rm", "-f", "-t", "0", longer).Run() })
	args := append([]string{"run", "-d", "--name", longer, "--hostname", longer + "-host"}, podmantest.RunFlags...)
	run := exec.Command("podman", append(args, podmantest.Image(t), "/bin/sleep", "3600")...)
	run.Env = slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, "CONTAINER_HOST=") }) // podman itself, not its remote client
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("podman run: %v\n%s", err, out)
	}
	for _, name := range []string{c.Name, longer} {
		h.ok("setns podman:" + name + " uts")
		if got := strings.TrimSpace(h.ok("hostname")); got != name+"-host" {
			t.Errorf("setns podman:%s: hostname %q", name, got)
		}
		h.ok("home")
	}
	h.fails("setns podman:"+c.Name[:len(c.Name)-1], 1, "no such container")
}

// push ENGINE:NAME ... pop, and the words in ns -p and identify.
func TestPushContainer(t *testing.T) {
	h, c, _ := containerHarness(t, "CONTAINER_HOST")
	host := h.ok("hostname")
	h.ok("push podman:" + c.Name + " uts net")
	if got := strings.TrimSpace(h.ok("hostname")); got != c.Name+"-host" {
		t.Errorf("after push: hostname %q", got)
	}
	h.ok("pop")
	if got := h.ok("hostname"); got != host {
		t.Errorf("after pop: hostname %q, want %q", got, host)
	}
	want := strings.Fields(h.ok("ns -p " + itoa(c.PID) + " net"))
	if got := strings.Fields(h.ok("ns -p podman:" + c.Name + " net")); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ns -p podman:NAME %q, by pid %q", got, want)
	}
	// pin -t podman:NAME pins the container's net namespace; the
	// context stays home.
	dir := nstest.PinDir(t)
	h.ok("pin -t podman:" + c.Name + " net " + dir + "/net")
	var pinSt, ctrSt unix.Stat_t
	if unix.Stat(dir+"/net", &pinSt) != nil || unix.Stat("/proc/"+itoa(c.PID)+"/ns/net", &ctrSt) != nil || pinSt.Ino != ctrSt.Ino {
		t.Errorf("pin -t podman:NAME: pinned inode %d, the container's net %d", pinSt.Ino, ctrSt.Ino)
	}
	if st, _ := h.ctx.Status(); st.Differs(nsfs.Net) {
		t.Error("pin -t podman:NAME moved the context")
	}
	h.ok("unpin " + dir + "/net")
	out := h.ok("identify podman:" + c.Name + " net")
	if !strings.Contains(out, "container: podman:"+c.Name+" ("+c.ID+")") || !strings.Contains(out, itoa(c.PID)) {
		t.Errorf("identify podman:NAME:\n%s", out)
	}
}

// A stopped container, an unknown one, an engine that is not there and
// one that never answers: one line naming what was asked, and no hang.
func TestContainerErrors(t *testing.T) {
	h, c, sock := containerHarness(t, "CONTAINER_HOST")
	podmantest.Stop(t, c)
	h.fails("setns podman:"+c.Name, 1, "podman:"+c.Name+": container is exited, not running")
	h.fails("setns podman:nsh-no-such-container", 1, "no such container (asked "+sock+")")
	h.fails("push podman:nsh-no-such-container", 1, "no such container")
	if st, _ := h.ctx.Status(); st.Depth != 0 {
		t.Errorf("failed push left depth %d", st.Depth)
	}
	// No service: podman inspect answers, and says which socket did not.
	none := filepath.Join(t.TempDir(), "none.sock")
	t.Setenv("CONTAINER_HOST", "unix://"+none)
	h.fails("setns podman:nsh-no-such-container", 1, "no such container (asked podman inspect, as no service answered at "+none+")")
	missing := filepath.Join(t.TempDir(), "docker.sock")
	t.Setenv("DOCKER_HOST", "unix://"+missing)
	h.fails("setns docker:web", 1, "docker:web: no docker engine at "+missing)

	hung := hungSocket(t)
	t.Setenv("DOCKER_HOST", "unix://"+hung)
	_, errs, st := h.run("setns docker:web")
	if st != 1 || !strings.Contains(errs, hung) || !strings.Contains(errs, "no answer within 300ms") || strings.Count(errs, "\n") > 0 {
		t.Errorf("hung engine: status %d, %q", st, errs)
	}
}

// An engine whose state says running for a process that is gone (conmon
// killed with the container, as when a VM session ends): the error says
// so, rather than "no process N". The engine is a real HTTP server on a
// unix socket giving the inspect answer Docker would.
func TestContainerStaleState(t *testing.T) {
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	pid := gone.Process.Pid
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/containers/web/json" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"Id":"%064x","Name":"/web","State":{"Status":"running","Pid":%d}}`, 1, pid)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	h := newHarness(t)
	noEngines(t)
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	h.fails("setns docker:web", 1, fmt.Sprintf("docker:web: docker says it runs as process %d, but there is no such process", pid))
	if st, _ := h.ctx.Status(); st.Cur != st.Home {
		t.Errorf("failed setns moved the context: %+v", st)
	}
}

// hungSocket is a socket that accepts and never answers; calls to
// engines give up after 300ms until the test ends.
func hungSocket(t *testing.T) string {
	hung := filepath.Join(t.TempDir(), "hung.sock")
	l, err := net.Listen("unix", hung)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	old := nsinfo.ContainerTimeout
	nsinfo.ContainerTimeout = 300 * time.Millisecond
	t.Cleanup(func() { nsinfo.ContainerTimeout = old })
	return hung
}

// ns -a --json and the table name the container of its namespaces, and
// not the host's namespaces it shares; no engine service is needed.
func TestNsAllContainer(t *testing.T) {
	c := podmantest.Run(t)
	h := newHarness(t)
	noEngines(t)
	var out allOut
	if err := json.Unmarshal([]byte(h.ok("ns -a --json")), &out); err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, ns := range out.Namespaces {
		if ns.Container == nil {
			continue
		}
		if ns.Container.Name == c.Name {
			if ns.Container.Engine != "podman" || ns.Container.ID != c.ID || ns.PID == nil || *ns.PID != c.PID {
				t.Errorf("%s %d: container %+v, pid %v", ns.Kind, ns.NS, ns.Container, ns.PID)
			}
			named[ns.Kind] = true
		}
		if ns.Kind == "user" || ns.Kind == "time" {
			t.Errorf("the host's %s namespace named %+v", ns.Kind, ns.Container)
		}
	}
	for _, k := range []string{"net", "uts", "ipc", "mnt", "pid"} {
		if !named[k] {
			t.Errorf("no %s namespace names %s", k, c.Name)
		}
	}
	table := h.ok("ns -a -t net")
	found := false
	for _, l := range strings.Split(table, "\n") {
		if f := strings.Fields(l); len(f) > 3 && f[3] == itoa(c.PID) {
			found = f[len(f)-1] == "podman:"+c.Name
		}
	}
	if !found || !strings.Contains(strings.SplitN(table, "\n", 2)[0], "CONTAINER") {
		t.Errorf("ns -a -t net does not name %s:\n%s", c.Name, table)
	}
}

// containerd:NS/ID through containerd's Tasks API, and its containers in
// ns -a (from the shim's command line).
func TestContainerd(t *testing.T) {
	sock := podmantest.Containerd(t)
	pid := podmantest.RunContainerd(t, "nsh-ctd")
	h := newHarness(t)
	noEngines(t)
	t.Setenv("CONTAINERD_ADDRESS", sock)
	want := nstest.Readlink(t, "/proc/"+itoa(pid)+"/ns/net")
	word := "containerd:" + podmantest.CtdNamespace + "/nsh-ctd"
	h.ok("setns " + word + " net")
	if got := strings.TrimSpace(h.ok("readlink /proc/self/ns/net")); got != want {
		t.Errorf("setns %s: in %s, want %s", word, got, want)
	}
	h.ok("home")
	h.fails("setns containerd:"+podmantest.CtdNamespace+"/nsh-no-such", 1, "no such container", sock)
	out := h.ok("ns -a -t net")
	if !strings.Contains(out, word) {
		t.Errorf("ns -a -t net does not name %s:\n%s", word, out)
	}
	t.Setenv("CONTAINERD_ADDRESS", filepath.Join(t.TempDir(), "none.sock"))
	h.fails("setns "+word, 1, "no containerd at")
}
