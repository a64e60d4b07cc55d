package nsinfo

// Containers as namespace targets: docker:NAME and podman:NAME are found
// through the engine's Docker Engine API on its unix socket (podman
// system service speaks the same API), or for podman with no service
// running, through 'podman inspect'.
//
// The client is net/http with a unix-socket dialer rather than the docker
// client module: three GET requests and a few JSON fields are all nsh
// needs, net/http is already in the binary (gRPC for plugins), and the
// module would add dozens of dependencies (moby, OCI specs, OpenTelemetry).

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// ContainerTimeout bounds every call to an engine: connect, request and
// reply, or a 'podman inspect' run.
var ContainerTimeout = 3 * time.Second

// Engines are the words that name a container: ENGINE:NAME (pod: a
// Kubernetes pod's sandbox, pod:[NAMESPACE/]NAME).
var Engines = []string{"docker", "podman", "containerd", "pod"}

// Container is a container an engine reports.
type Container struct {
	Engine string `json:"engine"`
	Name   string `json:"name"`
	ID     string `json:"id"`
	PID    int    `json:"-"`
	State  string `json:"-"`
}

// Label is ENGINE:NAME, the word that names it.
func (c *Container) Label() string { return c.Engine + ":" + c.Name }

// Getenv looks up a variable: the shell's, so that DOCKER_HOST set in nsh
// counts.
type Getenv func(string) (string, bool)

// ContainerRef splits ENGINE:NAME; ok is false for words of no engine.
func ContainerRef(word string) (engine, name string, ok bool) {
	engine, name, ok = strings.Cut(word, ":")
	if !ok {
		return "", "", false
	}
	for _, e := range Engines {
		if e == engine {
			return engine, name, true
		}
	}
	return "", "", false
}

// Sockets returns the API sockets to try for an engine, in order:
// $DOCKER_HOST (docker) or $CONTAINER_HOST (podman) when set to a unix://
// address, else the engine's usual places.
func Sockets(engine string, getenv Getenv) []string {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	switch engine {
	case "containerd":
		return containerdSockets(getenv)
	case "pod":
		return criSockets(getenv)
	}
	hostVar, std := "DOCKER_HOST", []string{"/var/run/docker.sock"}
	if engine == "podman" {
		hostVar, std = "CONTAINER_HOST", []string{"/run/podman/podman.sock"}
		if os.Geteuid() != 0 {
			if d, ok := getenv("XDG_RUNTIME_DIR"); ok && d != "" {
				std = append([]string{d + "/podman/podman.sock"}, std...)
			}
		}
	}
	if h, ok := getenv(hostVar); ok && h != "" {
		if p, ok := strings.CutPrefix(h, "unix://"); ok {
			return []string{p}
		}
	}
	return std
}

// ErrNoContainer is a name or id the engine does not know.
var ErrNoContainer = errors.New("no such container")

// apiError is a failed call, named by the socket it went to.
type apiError struct {
	socket string
	err    error
}

func (e *apiError) Error() string { return fmt.Sprintf("%s: %v", e.socket, e.err) }
func (e *apiError) Unwrap() error { return e.err }

// unreachable reports whether no engine listens there at all, as opposed
// to one that answered or refused us (EACCES): then podman inspect may
// still know the container.
func unreachable(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED)
}

// get fetches an API path (escaped, with its query) into v: one request
// on a connection of its own, read with net/http's parser but without
// its Transport, whose two goroutines per connection each cost a wake-up
// of the context thread, which makes the call (about 1 ms of a one-shot
// setns podman:NAME). timeout bounds the whole call. A 404 is
// ErrNoContainer.
func get(socket, path string, v any, timeout time.Duration) (http.Header, error) {
	deadline := time.Now().Add(timeout)
	conn, err := net.DialTimeout("unix", socket, timeout)
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) {
			err = oe.Err
		}
		return nil, &apiError{socket, err}
	}
	defer conn.Close()
	conn.SetDeadline(deadline)
	resp, err := roundTrip(conn, path)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = fmt.Errorf("no answer within %v", timeout)
		}
		return nil, &apiError{socket, err}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return resp.Header, &apiError{socket, ErrNoContainer}
	}
	if resp.StatusCode != http.StatusOK {
		var m struct{ Message string }
		json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&m)
		return resp.Header, &apiError{socket, fmt.Errorf("%s: %s", resp.Status, m.Message)}
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(v)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("no answer within %v", timeout)
	}
	return resp.Header, err
}

// roundTrip sends GET path on conn and reads the answer's head.
func roundTrip(conn net.Conn, path string) (*http.Response, error) {
	req := "GET " + path + " HTTP/1.1\r\nHost: engine\r\nUser-Agent: nsh\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return nil, err
	}
	return http.ReadResponse(bufio.NewReader(conn), nil)
}

// inspectJSON is what nsh reads of GET /containers/NAME/json.
type inspectJSON struct {
	ID    string `json:"Id"`
	Name  string
	State struct {
		Status string
		Pid    int
	}
}

func (j *inspectJSON) container(engine string) *Container {
	return &Container{Engine: engine, Name: strings.TrimPrefix(j.Name, "/"), ID: j.ID, PID: j.State.Pid, State: j.State.Status}
}

// Inspect finds a container by name or id (or an unambiguous id prefix,
// as the engines allow) through the first of the engine's sockets that
// answers; for podman with no service listening, through podman inspect.
func Inspect(engine, name string, getenv Getenv) (*Container, error) {
	switch engine {
	case "containerd":
		return inspectContainerd(name, getenv)
	case "pod":
		return inspectPod(name, getenv)
	}
	if name == "" || strings.ContainsAny(name, "/?#%") {
		return nil, fmt.Errorf("%s:%s: not a container name or id", engine, name)
	}
	var tried []string
	var lastErr error
	for _, s := range Sockets(engine, getenv) {
		var j inspectJSON
		// podman's own inspect; a word that is not hex can only be a
		// name there, matched exactly. Not its list filtered by name:
		// 0.3 ms quicker with one container, but its cost grows with
		// their number (7.9 against 1.7 ms with 50, podman 4.3).
		path := "/containers/" + url.PathEscape(name) + "/json"
		if engine == "podman" {
			path = "/v4.0.0/libpod" + path
		}
		_, err := get(s, path, &j, ContainerTimeout)
		if err == nil {
			return j.container(engine), nil
		}
		if errors.Is(err, ErrNoContainer) {
			return nil, fmt.Errorf("%s:%s: %w (asked %s)", engine, name, ErrNoContainer, s)
		}
		tried, lastErr = append(tried, s), err
		if !unreachable(err) {
			break
		}
	}
	if engine == "podman" && unreachable(lastErr) {
		if c, err := podmanInspect(name, getenv, tried); !errors.Is(err, exec.ErrNotFound) {
			return c, err
		}
	}
	if unreachable(lastErr) {
		return nil, fmt.Errorf("%s:%s: no %s engine at %s (is it running? set %s to its unix:// socket)",
			engine, name, engine, strings.Join(tried, " or "), map[string]string{"docker": "DOCKER_HOST", "podman": "CONTAINER_HOST"}[engine])
	}
	return nil, fmt.Errorf("%s:%s: %v", engine, name, lastErr)
}

// lookPath finds an executable file in the shell's PATH (nsh's own when
// the shell has none), as the shell would run it.
func lookPath(file string, getenv Getenv) (string, error) {
	path, ok := getenv("PATH")
	if !ok {
		path = os.Getenv("PATH")
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(cmp.Or(dir, "."), file)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && unix.Access(p, unix.X_OK) == nil {
			return p, nil
		}
	}
	return "", &exec.Error{Name: file, Err: exec.ErrNotFound}
}

// podmanInspect asks the podman program, which reads its own database:
// slower (a process, ~100 ms) but needs no service. It is found in the
// shell's PATH; tried are the sockets that did not answer, for messages.
func podmanInspect(name string, getenv Getenv, tried []string) (*Container, error) {
	path, err := lookPath("podman", getenv)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), ContainerTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "inspect", "--type", "container", "--format", "json", "--", name)
	// Its own database, not a remote service it was told of.
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CONTAINER_HOST=") && !strings.HasPrefix(e, "CONTAINER_CONNECTION=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("podman:%s: podman inspect took more than %v", name, ContainerTimeout)
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "no such container") || strings.Contains(msg, "no such object") {
			return nil, fmt.Errorf("podman:%s: %w (asked podman inspect, as no service answered at %s)", name, ErrNoContainer, strings.Join(tried, " or "))
		}
		return nil, fmt.Errorf("podman:%s: podman inspect: %s", name, firstLine(msg, err))
	}
	var js []inspectJSON
	if err := json.Unmarshal(out, &js); err != nil || len(js) != 1 {
		return nil, fmt.Errorf("podman:%s: podman inspect gave no container", name)
	}
	return js[0].container("podman"), nil
}

func firstLine(s string, err error) string {
	if s == "" {
		return err.Error()
	}
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// RunningPID is Inspect for a container that must be running.
func RunningPID(engine, name string, getenv Getenv) (*Container, error) {
	c, err := Inspect(engine, name, getenv)
	if err != nil {
		return nil, err
	}
	if c.PID <= 0 || (c.State != "" && c.State != "running") {
		return nil, fmt.Errorf("%s:%s: container is %s, not running", engine, name, cmp.Or(c.State, "-"))
	}
	return c, nil
}

// listJSON is an entry of GET /containers/json (Docker) and of podman's
// /libpod/containers/json, which also gives the pid.
type listJSON struct {
	ID    string `json:"Id"`
	Names []string
	State string
	Pid   int
}

// List returns the running containers of every engine whose socket
// answers, with their pids; engines that do not answer are left out (ns
// -a is not about them). Sockets that are the same file are asked once.
func List(getenv Getenv, timeout time.Duration) []*Container {
	type sock struct{ engine, path string }
	var socks []sock
	seen := map[[2]uint64]bool{}
	for _, e := range []string{"docker", "podman"} {
		for _, p := range Sockets(e, getenv) {
			var st syscall.Stat_t
			if syscall.Stat(p, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFSOCK {
				continue
			}
			k := [2]uint64{st.Dev, st.Ino}
			if !seen[k] {
				seen[k] = true
				socks = append(socks, sock{e, p})
			}
		}
	}
	var mu sync.Mutex
	var all []*Container
	var wg sync.WaitGroup
	for _, s := range socks {
		wg.Go(func() {
			l := listSocket(s.engine, s.path, timeout)
			mu.Lock()
			all = append(all, l...)
			mu.Unlock()
		})
	}
	wg.Wait()
	sort.Slice(all, func(i, j int) bool { return all[i].Label() < all[j].Label() })
	return all
}

// listSocket lists one socket's running containers. Podman's own list
// has the pids in one call; the Docker API needs an inspect for each.
func listSocket(engine, socket string, timeout time.Duration) []*Container {
	var l []listJSON
	if _, err := get(socket, "/v4.0.0/libpod/containers/json", &l, timeout); err == nil {
		var out []*Container
		for _, j := range l {
			if j.State == "running" && j.Pid > 0 && len(j.Names) > 0 {
				out = append(out, &Container{Engine: engine, Name: j.Names[0], ID: j.ID, PID: j.Pid, State: j.State})
			}
		}
		return out
	}
	if _, err := get(socket, "/containers/json", &l, timeout); err != nil {
		return nil
	}
	out := make([]*Container, len(l))
	var wg sync.WaitGroup
	for i, j := range l {
		wg.Go(func() {
			var in inspectJSON
			if _, err := get(socket, "/containers/"+url.PathEscape(j.ID)+"/json", &in, timeout); err == nil && in.State.Pid > 0 {
				out[i] = in.container(engine)
			}
		})
	}
	wg.Wait()
	kept := out[:0]
	for _, c := range out {
		if c != nil {
			kept = append(kept, c)
		}
	}
	return kept
}

// AttachContainers sets Container on each namespace whose lowest process
// was started by a container monitor: podman's conmon (-c ID -n NAME) or
// a containerd shim (-namespace NS -id ID; namespace moby is docker's,
// whose names come from the Docker API if its socket answers; k8s.io is
// the CRI plugin's, whose pods are named from the sandbox's config.json). Reading
// the monitors' command lines costs a few reads per container, where
// asking podman's service for its list took longer than the whole scan.
// Only monitors run by root or by nsh's user count. It is a label for
// people, not a proof: setns ENGINE:NAME asks the engine.
func (s *Snapshot) AttachContainers(getenv Getenv) {
	mons := map[int]*Container{}
	euid := os.Geteuid()
	var docker []*Container
	for _, ns := range s.Namespaces {
		if ns.PID == 0 || ns.PPID <= 1 {
			continue
		}
		c, seen := mons[ns.PPID]
		if !seen {
			c = monitor(ns.PPID, euid)
			mons[ns.PPID] = c
			if c != nil && c.Engine == "docker" {
				docker = append(docker, c)
			}
		}
		if c != nil {
			if c.PID == 0 || ns.PID < c.PID {
				c.PID = ns.PID
			}
			ns.Container = c
		}
	}
	if len(docker) > 0 {
		dockerNames(docker, getenv)
	}
}

// monitor reads process pid as a container monitor, or returns nil.
func monitor(pid int, euid int) *Container {
	dir := "/proc/" + strconv.Itoa(pid)
	var st syscall.Stat_t
	if syscall.Stat(dir, &st) != nil || (st.Uid != 0 && int(st.Uid) != euid) {
		return nil
	}
	comm, err := os.ReadFile(dir + "/comm")
	if err != nil {
		return nil
	}
	c := strings.TrimSpace(string(comm))
	if c != "conmon" && !strings.HasPrefix(c, "containerd-shim") {
		return nil
	}
	raw, err := os.ReadFile(dir + "/cmdline")
	if err != nil {
		return nil
	}
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	arg := func(names ...string) string {
		for i, a := range args {
			for _, n := range names {
				if a == n && i+1 < len(args) {
					return args[i+1]
				}
				if v, ok := strings.CutPrefix(a, n+"="); ok {
					return v
				}
			}
		}
		return ""
	}
	if c == "conmon" {
		id, name := arg("-c", "--cid"), arg("-n", "--name")
		if id == "" {
			return nil
		}
		return &Container{Engine: "podman", Name: cmp.Or(name, id), ID: id}
	}
	id, cns := arg("-id"), arg("-namespace")
	if id == "" {
		return nil
	}
	if cns == "moby" {
		return &Container{Engine: "docker", Name: id, ID: id}
	}
	if cns == "k8s.io" {
		if p := podOfShim(strconv.Itoa(pid)); p != nil {
			return p
		}
	}
	return &Container{Engine: "containerd", Name: cns + "/" + id, ID: id}
}

// dockerNames gives docker containers their names from the Docker API's
// list, one call; without an answer they keep their ids.
func dockerNames(cs []*Container, getenv Getenv) {
	for _, sock := range Sockets("docker", getenv) {
		var l []listJSON
		if _, err := get(sock, "/containers/json", &l, ContainerTimeout); err != nil {
			continue
		}
		byID := map[string]string{}
		for _, j := range l {
			if len(j.Names) > 0 {
				byID[j.ID] = strings.TrimPrefix(j.Names[0], "/")
			}
		}
		for _, c := range cs {
			if n, ok := byID[c.ID]; ok {
				c.Name = n
			}
		}
		return
	}
}

// joined remembers the containers nsh joined, so that the prompt can say
// net=podman:web without asking the engine at every prompt.
var joined sync.Map // nsfs.ID -> string

// RememberContainer records that namespace id is container label's.
func RememberContainer(id nsfs.ID, label string) { joined.Store(id, label) }

// ContainerLabel returns what RememberContainer recorded for id, or "".
func ContainerLabel(id nsfs.ID) string {
	if v, ok := joined.Load(id); ok {
		return v.(string)
	}
	return ""
}

// NetnsOrContainer is the name the prompt gives a network namespace: its
// ip netns name, else the container nsh joined it through.
func NetnsOrContainer(id nsfs.ID) string {
	if n := nsfs.NetnsName(id); n != "" {
		return n
	}
	return ContainerLabel(id)
}

// ContainerWords are ENGINE:NAME for each running container and
// pod:NS/NAME for each ready pod, for completion; a short timeout keeps
// Tab quick when an engine hangs.
func ContainerWords(getenv Getenv) []string {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	// At once: an engine that hangs costs Tab its timeout once, not twice.
	var pods []*Container
	var wg sync.WaitGroup
	wg.Go(func() { pods = listPods(getenv, 500*time.Millisecond) })
	cs := List(getenv, 500*time.Millisecond)
	wg.Wait()
	var ws []string
	for _, c := range append(cs, pods...) {
		ws = append(ws, c.Label())
	}
	return ws
}
