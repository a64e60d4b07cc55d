package builtins

import (
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/internal/podmantest"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"github.com/nsh-dev/nsh/nsinfo"
	"google.golang.org/grpc"
)

// setns pod:NS/NAME through the CRI plugin of a real containerd, for a
// pod made with RunPodSandbox: the context lands in the sandbox's net,
// uts and ipc namespaces; pod:NAME is namespace default; the word works
// in push, ns -p, identify and -t, Tab offers it, and ns -a names the
// pod's namespaces.
func TestSetnsPod(t *testing.T) {
	sock := podmantest.CRI(t)
	pod := podmantest.RunPod(t, "nsh-test", "web")
	def := podmantest.RunPod(t, "default", "db")
	app := podmantest.RunInPod(t, pod, "app")
	h := newHarness(t)
	noEngines(t)
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "unix://"+sock)
	// The context's namespaces against the sandbox process's
	// /proc/PID/ns files (the pause image has no readlink to ask).
	in := func(how string, p *podmantest.Pod, kinds ...nsfs.Kind) {
		t.Helper()
		want, err := nsfs.ProcessIDs(p.PID)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := h.ctx.Status()
		for _, k := range kinds {
			if st.Cur[k] != want[k] {
				t.Errorf("%s: %s is %v, the sandbox's is %v", how, k, st.Cur[k], want[k])
			}
		}
	}
	home, _ := h.ctx.Status()
	h.ok("setns pod:nsh-test/web")
	in("setns pod:nsh-test/web", pod, nsfs.Net, nsfs.UTS, nsfs.IPC, nsfs.Mnt)
	if got := strings.TrimSpace(h.ok("hostname")); got != "web-host" {
		t.Errorf("hostname in the pod: %q", got)
	}
	// Only eth0 and lo: the pod's own network namespace.
	if got := h.ok("ip -o link"); strings.Count(got, "\n") != 2 || !strings.Contains(got, "eth0") {
		t.Errorf("ip -o link in the pod:\n%s", got)
	}
	// The prompt's name for the network namespace: net=pod:nsh-test/web.
	if st, _ := h.ctx.Status(); nsinfo.NetnsOrContainer(st.Cur[nsfs.Net]) != "pod:nsh-test/web" {
		t.Errorf("prompt name %q", nsinfo.NetnsOrContainer(st.Cur[nsfs.Net]))
	}
	h.ok("home")
	h.ok("setns pod:db net")
	in("setns pod:db (namespace default)", def, nsfs.Net)
	h.ok("home")
	h.ok("setns -t pod:nsh-test/web uts")
	in("setns -t pod:NS/NAME uts", pod, nsfs.UTS)
	h.ok("home")
	h.ok("push pod:nsh-test/web uts ipc")
	in("push", pod, nsfs.UTS, nsfs.IPC)
	h.ok("pop")
	if st, _ := h.ctx.Status(); st.Cur != home.Cur {
		t.Errorf("after pop: %v, want home's %v", st.Cur, home.Cur)
	}
	want := strings.Fields(h.ok("ns -p " + itoa(pod.PID) + " net"))
	if got := strings.Fields(h.ok("ns -p pod:nsh-test/web net")); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ns -p pod:NS/NAME %q, by pid %q", got, want)
	}
	out := h.ok("identify pod:nsh-test/web net")
	if !strings.Contains(out, "container: pod:nsh-test/web ("+pod.ID+")") {
		t.Errorf("identify pod:NS/NAME:\n%s", out)
	}
	if ws := nsinfo.ContainerWords(os.LookupEnv); !slices.Contains(ws, "pod:nsh-test/web") || !slices.Contains(ws, "pod:default/db") {
		t.Errorf("completion words %q lack the pods", ws)
	}
	var all allOut
	if err := json.Unmarshal([]byte(h.ok("ns -a --json")), &all); err != nil {
		t.Fatal(err)
	}
	// The sandbox's net, uts, ipc; the app container's own mnt.
	appIDs, err := nsfs.ProcessIDs(app)
	if err != nil {
		t.Fatal(err)
	}
	named := map[string]bool{}
	for _, ns := range all.Namespaces {
		if c := ns.Container; c != nil && c.Engine == "pod" && c.Name == "nsh-test/web" {
			if c.ID != pod.ID {
				t.Errorf("%s: pod id %s, want %s", ns.Kind, c.ID, pod.ID)
			}
			named[ns.Kind] = true
			if ns.Kind == "mnt" && ns.NS == appIDs[nsfs.Mnt].Ino {
				named["app's mnt"] = true
			}
		}
	}
	for _, k := range []string{"net", "uts", "ipc", "app's mnt"} {
		if !named[k] {
			t.Errorf("ns -a --json: no %s namespace names pod:nsh-test/web", k)
		}
	}
}

// An unknown pod, a stopped one, no CRI socket and one that never
// answers: one line that names the sockets asked, and no hang.
func TestPodErrors(t *testing.T) {
	sock := podmantest.CRI(t)
	pod := podmantest.RunPod(t, "nsh-test", "stopped")
	h := newHarness(t)
	noEngines(t)
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "unix://"+sock)
	h.fails("setns pod:nsh-test/nsh-no-such-pod", 1, "pod:nsh-test/nsh-no-such-pod: no such pod", sock)
	h.fails("setns pod:nsh-no-such-pod", 1, "pod:default/nsh-no-such-pod: no such pod")
	h.fails("setns pod:a/b/c", 1, "want pod:[NAMESPACE/]NAME")
	podmantest.StopPod(t, pod)
	h.fails("setns pod:nsh-test/stopped", 1, "pod:nsh-test/stopped: its sandbox is not ready")
	if st, _ := h.ctx.Status(); st.Depth != 0 {
		t.Errorf("failed setns left depth %d", st.Depth)
	}

	missing := filepath.Join(t.TempDir(), "cri.sock")
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "unix://"+missing)
	h.fails("setns pod:web", 1, "pod:default/web: no CRI runtime answered ("+missing+": no such file or directory)", "CONTAINER_RUNTIME_ENDPOINT")

	// A gRPC server with no CRI service (a containerd without its CRI
	// plugin answers so).
	bare := filepath.Join(t.TempDir(), "bare.sock")
	bl, err := net.Listen("unix", bare)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	go srv.Serve(bl)
	defer srv.Stop()
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "unix://"+bare)
	h.fails("setns pod:web", 1, bare+": no CRI runtime service there")

	hung := hungSocket(t)
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "unix://"+hung)
	_, errs, st := h.run("setns pod:web")
	if st != 1 || !strings.Contains(errs, hung) || !strings.Contains(errs, "no answer in 300ms") || strings.Count(errs, "\n") > 0 {
		t.Errorf("hung CRI socket: status %d, %q", st, errs)
	}
}

// What the pod word costs: setns pod:NS/NAME net (two CRI calls to a
// real containerd, then the join) against setns -t PID net in one shell,
// each followed by home; and as one-shot commands, nsh -c 'setns
// pod:NS/NAME net; /bin/true' against the crictl pair it replaces,
// nsenter -t $(crictl inspectp ... $(crictl pods -q ...)) -n true, when
// crictl is on PATH (go install sigs.k8s.io/cri-tools/cmd/crictl@v1.37.0).
//
//	go test -run '^$' -bench SetnsPod -benchtime 100x ./builtins
func BenchmarkSetnsPod(b *testing.B) {
	sock := podmantest.CRI(b)
	pod := podmantest.RunPod(b, "nsh-test", "bench")
	b.Setenv("CONTAINER_RUNTIME_ENDPOINT", "unix://"+sock)
	c, err := nsctx.New()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var sh fakeShell
	call := func(b *testing.B, args ...string) {
		cmd, _ := Lookup(args[0])
		env := &command.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Ctx: c, Shell: &sh}
		if err := cmd.Call(env, args); err != nil {
			b.Fatal(err)
		}
	}
	for _, args := range [][]string{{"setns", "pod:nsh-test/bench", "net"}, {"setns", "-t", itoa(pod.PID), "net"}} {
		b.Run(strings.Join(args[1:], " "), func(b *testing.B) {
			for b.Loop() {
				call(b, args...)
				call(b, "home")
			}
		})
	}
	run := func(b *testing.B, argv ...string) {
		for b.Loop() {
			if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
				b.Fatalf("%q: %v: %s", argv, err, out)
			}
		}
	}
	nsh := filepath.Join(b.TempDir(), "nsh")
	if out, err := exec.Command("go", "build", "-o", nsh, "../cmd/nsh").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v: %s", err, out)
	}
	b.Run("nsh -c setns pod:NS/NAME", func(b *testing.B) { run(b, nsh, "-c", "setns pod:nsh-test/bench net; /bin/true") })
	b.Run("nsh -c setns -t PID", func(b *testing.B) { run(b, nsh, "-c", "setns -t "+itoa(pod.PID)+" net; /bin/true") })
	b.Run("nsenter -t $(crictl inspectp $(crictl pods -q))", func(b *testing.B) {
		if _, err := exec.LookPath("crictl"); err != nil {
			b.Skip("crictl is not on PATH")
		}
		run(b, "sh", "-c", `nsenter -t $(crictl -r unix://`+sock+` inspectp -o go-template --template '{{.info.pid}}' $(crictl -r unix://`+sock+` pods -q --namespace nsh-test --name bench)) -n true`)
	})
}
