package plugins

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"github.com/nsh-dev/nsh/jobs"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// A process serves calls only in the context it was started in: the pool
// is keyed by the plugin file and the context's namespaces, so after a hop
// the next call gets (or starts) a process in the new context, and hopping
// back finds the old one still warm.
//
// A process started from another context than the host's (a background
// job's fork) is that context's thread's child, and dies with it (the
// parent-death signal): it is pooled for that context's calls alone.
type poolKey struct {
	path  string
	ns    [nsfs.NumKinds]nsfs.ID
	owner *nsctx.Context // nil: the host's context
}

// pool holds the idle processes; guarded by Host.mu.
type pool struct {
	idle   map[poolKey][]*proc
	closed bool
}

// proc is one running plugin process.
type proc struct {
	plugin *Plugin
	key    poolKey // where it is pooled: the namespaces it started in
	client *plugin.Client
	rpc    pluginv1.CommandsClient
	run    *procRunner
	stderr *ring // its own stderr: shown when it fails
	log    *pluginLog
	stdout *callStdout
	size   int64 // the stamp of the file it runs (stampOf)
	mtime  int64
	timer  *time.Timer
	// idleSince is when it last went idle (evictLocked, expire).
	idleSince time.Time
	timerOff  bool // timer fired while it was in use: put sets it again

	// The calls' stream, kept from call to call: the calls socket, or the
	// Run stream of a plugin that does not serve one; sendMu orders its
	// sends, cancel ends it.
	stream  runStream
	cancel  func()
	lastEnv []string // the env of its last call (sameEnv)
	sendMu  sync.Mutex

	api *hostAPI // the host API, if it asks (hostapi.go)
}

// runStream carries a process's calls (see call).
type runStream interface {
	Send(*pluginv1.Input) error
	Recv() (*pluginv1.Output, error)
}

// key is where p's process for context ctx is pooled, and the context's
// working directory. It asks the context thread (Status): the namespaces
// of a context may be held by nsctx's helper rather than by its thread, so
// nothing read from the thread's /proc entries would do.
func (h *Host) key(ctx *nsctx.Context, p *Plugin) (poolKey, string, error) {
	st, err := ctx.Status()
	if err != nil {
		return poolKey{}, "", err
	}
	k := poolKey{path: p.Path, ns: st.Cur}
	if ctx != h.ctx {
		k.owner = ctx
	}
	return k, st.Cwd, nil
}

// get returns an idle process for key, or starts one from ctx.
func (h *Host) get(ctx *nsctx.Context, p *Plugin, key poolKey, env []string) (*proc, error) {
	h.mu.Lock()
	for list := h.pool.idle[key]; len(list) > 0; list = h.pool.idle[key] {
		pr := list[len(list)-1]
		h.pool.idle[key] = list[:len(list)-1]
		if !pr.client.Exited() {
			h.mu.Unlock()
			return pr, nil
		}
		go pr.fail() // killed while idle: reap it, start afresh
	}
	if len(h.pool.idle[key]) == 0 {
		delete(h.pool.idle, key)
	}
	h.mu.Unlock()
	for try := 0; ; try++ {
		pr, err := h.start(ctx, p, env)
		if err != nil {
			return nil, err
		}
		// Pooled by where it really started: another goroutine may have
		// moved ctx since key was read (a background call that describes
		// a plugin uses the host's context).
		pr.key = key
		pr.key.ns = pr.run.at
		if sameNamespaces(key.ns, pr.run.at) {
			return pr, nil
		}
		h.put(pr) // warm where it is, for the calls made there
		if try == 1 {
			return nil, fmt.Errorf("plugin %s: the context moved while its process started", p.Name)
		}
	}
}

// sameNamespaces reports whether a process started at at is where key
// says; a kind zero in key (a new pid namespace that had no process yet)
// is the one the start made.
func sameNamespaces(key, at [nsfs.NumKinds]nsfs.ID) bool {
	for k := range key {
		if !key[k].IsZero() && key[k] != at[k] {
			return false
		}
	}
	return true
}

// put returns a process to the pool after a successful call, or stops it
// when the pool for its key is full, the host closed or the plugin unloaded.
func (h *Host) put(pr *proc) {
	key := pr.key
	h.mu.Lock()
	defer h.mu.Unlock()
	loaded := false
	for _, p := range h.plugins {
		loaded = loaded || p == pr.plugin
	}
	if h.pool.closed || !loaded || len(h.pool.idle[key]) >= h.MaxIdle {
		go pr.stop()
		return
	}
	h.evictLocked(h.MaxIdleTotal - 1)
	pr.idleSince = time.Now()
	h.pool.idle[key] = append(h.pool.idle[key], pr)
	switch {
	case pr.timer == nil:
		// One timer for the process's life, not one per call: setting a
		// timer wakes the runtime's poller thread, a cost on every call.
		// When it fires, expire sees whether the process has been idle
		// long enough, and sets it again for the rest if not.
		pr.timer = time.AfterFunc(h.IdleTimeout, func() { h.expire(key, pr) })
	case pr.timerOff:
		pr.timerOff = false
		pr.timer.Reset(h.IdleTimeout)
	}
}

// evictLocked stops the longest idle processes until at most max are
// idle: each costs some 15 MB, and plugins used in many contexts (or
// many plugins) would add up. Needs h.mu.
func (h *Host) evictLocked(max int) {
	for {
		var oldest *proc
		var oldKey poolKey
		n := 0
		for k, list := range h.pool.idle {
			for _, pr := range list {
				n++
				// The dead first: a background job's processes die
				// with its context (poolKey), idle or not.
				dead, oldDead := pr.client.Exited(), oldest != nil && oldest.client.Exited()
				if oldest == nil || dead && !oldDead || dead == oldDead && pr.idleSince.Before(oldest.idleSince) {
					oldest, oldKey = pr, k
				}
			}
		}
		if n <= max || oldest == nil {
			return
		}
		oldest.timer.Stop()
		h.unpoolLocked(oldKey, oldest)
		go oldest.stop()
	}
}

// unpoolLocked takes pr out of the idle pool, reporting whether it was
// there. Needs h.mu.
func (h *Host) unpoolLocked(key poolKey, pr *proc) bool {
	list := h.pool.idle[key]
	for i, q := range list {
		if q == pr {
			h.pool.idle[key] = append(list[:i:i], list[i+1:]...)
			if len(h.pool.idle[key]) == 0 {
				delete(h.pool.idle, key)
			}
			return true
		}
	}
	return false
}

// expire stops pr if it has been idle for IdleTimeout; if it was idle
// for less, it looks again when that time would be up.
func (h *Host) expire(key poolKey, pr *proc) {
	h.mu.Lock()
	left := h.IdleTimeout - time.Since(pr.idleSince)
	switch {
	case !slices.Contains(h.pool.idle[key], pr):
		pr.timerOff = true // in use, or gone: put sets it again
	case left > 0:
		pr.timer.Reset(left)
	}
	idle := left <= 0 && h.unpoolLocked(key, pr)
	h.mu.Unlock()
	if idle {
		pr.stop()
	}
}

// stopAll stops the idle processes whose key matches, and waits for them.
func (h *Host) stopAll(match func(poolKey) bool) {
	var stop []*proc
	h.mu.Lock()
	for k, list := range h.pool.idle {
		if match(k) {
			for _, pr := range list {
				pr.timer.Stop()
			}
			stop = append(stop, list...)
			delete(h.pool.idle, k)
		}
	}
	h.mu.Unlock()
	var wg sync.WaitGroup
	for _, pr := range stop {
		wg.Add(1)
		go func() { defer wg.Done(); pr.stop() }()
	}
	wg.Wait()
}

// start starts a process of p from ctx's thread and connects to it. The
// file is checked and opened once, and that file is what runs.
func (h *Host) start(ctx *nsctx.Context, p *Plugin, env []string) (*proc, error) {
	file, st, err := openPlugin(p.Path)
	if err != nil {
		return nil, fmt.Errorf("plugin %s refused: %v", p.Name, err)
	}
	defer file.Close() // the child has its own copy once started
	pr := &proc{plugin: p, stderr: &ring{}, log: newLog(h.env, p.Name)}
	pr.stdout = &callStdout{log: pr.log}
	stderr := io.MultiWriter(pr.stderr, pr.log)
	pr.size, pr.mtime = stampOf(st)
	pr.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  pluginv1.Handshake,
		VersionedPlugins: pluginv1.Plugins(nil),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		RunnerFunc: func(_ hclog.Logger, spec *exec.Cmd, sockDir string) (runner.Runner, error) {
			r, err := newRunner(ctx, &h.cg, p.Path, file, env, spec, sockDir)
			pr.run = r
			return r, err
		},
		SkipHostEnv:     true, // the shell's exported environment, not nsh's own
		StartTimeout:    h.StartTimeout,
		Stderr:          stderr,
		SyncStderr:      stderr,
		SyncStdout:      pr.stdout,
		Logger:          hclog.NewNullLogger(),
		GRPCDialOptions: dialOptions,
	})
	cp, err := pr.client.Client()
	if err == nil {
		var raw any
		if raw, err = cp.Dispense(pluginv1.PluginName); err == nil {
			pr.rpc = raw.(pluginv1.CommandsClient)
			if c := pr.run.takeCalls(); c != nil {
				pr.stream, pr.cancel = c, func() { c.Close() }
			}
			pr.api = newHostAPI(h, raw, pr)
			pr.log.started(pr.run.pid, jobs.Where(ctx))
			return pr, nil
		}
	}
	pr.fail()
	return nil, pr.startFailure(err, h.StartTimeout)
}

// cookieWanted is what a plugin is started with, for authors of plugins
// in other languages; cookieRefusals are what the SDK and go-plugin say
// on stderr when the cookie is not theirs.
var (
	cookieWanted = fmt.Sprintf("%s=%s and PLUGIN_PROTOCOL_VERSIONS=%d (protocol grpc)",
		pluginv1.Handshake.MagicCookieKey, pluginv1.Handshake.MagicCookieValue, pluginv1.Version)
	cookieRefusals = []string{"is an nsh plugin: install it", "This binary is a plugin"}
)

var dialOptions = []grpc.DialOption{
	grpc.WithInitialWindowSize(1 << 20),
	grpc.WithInitialConnWindowSize(1 << 20),
}

// stop asks the process to exit (go-plugin kills it after 2 s).
func (pr *proc) stop() {
	pr.api.close()
	if pr.cancel != nil {
		pr.cancel()
	}
	pr.client.Kill()
	pr.log.Close()
}

// fail kills the process group at once and waits until the process is
// reaped and its stderr read.
func (pr *proc) fail() {
	pr.api.close()
	if pr.run != nil {
		pr.run.Kill(context.Background())
	}
	if pr.cancel != nil {
		pr.cancel()
	}
	pr.client.Kill()
	pr.log.Close()
}

// describe asks the process what it provides, and checks that this host
// speaks the protocol minor version it needs.
func (pr *proc) describe() (*pluginv1.DescribeResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var md metadata.MD
	r, err := pr.rpc.Describe(ctx, &pluginv1.DescribeRequest{}, grpc.Header(&md))
	if err != nil {
		return nil, err
	}
	if v := md.Get(pluginv1.NeedsKey); len(v) > 0 {
		if n, err := strconv.Atoi(v[0]); err == nil && n > pluginv1.Minor {
			return nil, errNeedsNewer{n}
		}
	}
	return r, nil
}

// errNeedsNewer is a plugin made for a newer nsh.
type errNeedsNewer struct{ minor int }

func (e errNeedsNewer) Error() string {
	return fmt.Sprintf("it needs a newer nsh: plugin protocol 1.%d, and this nsh speaks 1.%d (update nsh, or use an older build of the plugin)", e.minor, pluginv1.Minor)
}

// who names the plugin in errors (plugin list shows its path: the shell
// keeps error messages short).
func (pr *proc) who() string { return "plugin " + pr.plugin.Name }

// startFailure explains why a process did not come up; call after fail.
func (pr *proc) startFailure(err error, timeout time.Duration) error {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	switch {
	case pr.stderr.saw(cookieRefusals...):
		msg = "the handshake cookie did not match: nsh starts a plugin with " + cookieWanted
	case strings.Contains(msg, "timeout while waiting for plugin to start"):
		msg = fmt.Sprintf("no handshake within %v (is it an nsh plugin?)", timeout)
	case strings.HasPrefix(msg, "Unrecognized remote plugin message"):
		line := strings.TrimSpace(strings.TrimPrefix(msg, "Unrecognized remote plugin message:"))
		msg = fmt.Sprintf("bad handshake: it printed %q on stdout, not go-plugin's handshake line (a plugin must not write to stdout before serving; it must check %s)", clean(line, lineMax, false), cookieWanted)
	case strings.Contains(msg, "plugin exited before we could connect"):
		msg = "exited before its handshake"
	default:
		msg = clean(msg, maxLine, false) // go-plugin's, with parts of the plugin's handshake
	}
	if pr.run != nil {
		if st := pr.run.exitStatus(); st != "" && st != "killed by signal 9 (SIGKILL)" {
			msg += " (" + st + ")"
		}
	}
	return fmt.Errorf("%s failed to start: %s%s", pr.who(), msg, pr.stderrTail())
}

// failure explains a call that broke because the process failed; call
// after fail.
func (pr *proc) failure(err error) error {
	st := pr.run.exitStatus()
	what := "the connection broke: " + firstLine(err)
	if st != "" {
		what = "the process ended during the call (" + st + ")"
	}
	return fmt.Errorf("%s failed: %s; it starts afresh on the next call%s", pr.who(), what, pr.stderrTail())
}

func (pr *proc) stderrTail() string {
	if s := pr.stderr.String(); s != "" {
		return "\n  its stderr (plugin log " + pr.plugin.Name + " shows more):" + s
	}
	return ""
}

// firstLine is the first line of err, safe to print (gRPC's errors carry
// the plugin's words).
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return clean(s, maxError, false)
}
