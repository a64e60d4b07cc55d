package plugins

import (
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
	"golang.org/x/sys/unix"
)

// A plugin of today's SDK gets its calls on the calls sockets (protocol
// minor 4: one each way), one of minor 3 on one socket both ways, one of
// the first SDK on its Run stream, and each process serves one call
// after another on what it got.
func TestCallsSocketOrRunStream(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test", "v1": "v1"}))
	one := newTestHost(t, pluginDir(t, map[string]string{"onesocket": "test"}))
	for range 3 {
		h.mustCall("tpid")
		if out := one.mustCall("techo", "a", "b"); !strings.HasPrefix(out, "args=a,b\nvar=") {
			t.Fatalf("techo on one socket: %q", out)
		}
		if out := h.mustCall("v1echo", "x"); out != "v1 args=x var=hello\n" {
			t.Fatalf("v1echo: %q", out)
		}
	}
	got := map[string]string{}
	streams(h, got)
	streams(one, got)
	if got["onesocket"] != "calls socket" {
		t.Errorf("a plugin of minor 3: %v", got)
	}
	if got["test"] != "calls socket" || got["v1"] != "Run stream" || len(h.pids()) != 2 {
		t.Errorf("streams: %v, processes %v", got, h.pids())
	}
}

// streams says, of each plugin with an idle process in h, what carries
// its calls.
func streams(h *testHost, got map[string]string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, list := range h.pool.idle {
		for _, pr := range list {
			_, calls := pr.stream.(*pluginv1.HostCalls)
			got[pr.plugin.Name] = map[bool]string{true: "calls socket", false: "Run stream"}[calls]
		}
	}
}

// The calls socket carries the Run stream's messages both ways, in order,
// and refuses a frame too large to be one.
func TestCallsFrames(t *testing.T) {
	a, b := net.Pipe()
	host, plug := pluginv1.NewHostCalls(a, a, a), pluginv1.NewPluginCalls(b, b, b)
	t.Cleanup(func() { host.Close(); plug.Close() })
	big := strings.Repeat("x", 100<<10)
	go func() {
		host.Send(&pluginv1.Input{Msg: &pluginv1.Input_Start{Start: &pluginv1.Start{Args: []string{"cmd", big}}}})
		host.Send(&pluginv1.Input{Msg: &pluginv1.Input_Interrupt{Interrupt: true}})
	}()
	m, err := plug.Recv()
	if err != nil || len(m.GetStart().GetArgs()) != 2 || m.GetStart().Args[1] != big {
		t.Fatalf("Start: %v", err)
	}
	if m, err := plug.Recv(); err != nil || !m.GetInterrupt() {
		t.Fatalf("Interrupt: %v %v", m, err)
	}
	go plug.Send(&pluginv1.Output{Msg: &pluginv1.Output_Exit{Exit: 3}})
	if m, err := host.Recv(); err != nil || m.GetExit() != 3 {
		t.Fatalf("Exit: %v %v", m, err)
	}
	go a.Write([]byte{0xff, 0xff, 0xff, 0xff})
	if _, err := plug.Recv(); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("a frame of 4 GB: %v", err)
	}
	plug.Close()
	select {
	case <-plug.Context().Done():
	default:
		t.Error("the plugin's context did not end with Close")
	}
}

// A process has one idle timer for its life: calls closer together than
// the idle timeout keep it, however long it lives in all, and it stops
// once idle that long, also when a call outlasted the timeout.
func TestIdleTimerAcrossCalls(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	h.IdleTimeout = time.Second
	pid := h.pid()
	for range 6 { // 1.5 s in all
		time.Sleep(250 * time.Millisecond)
		if got := h.pid(); got != pid {
			t.Fatalf("a process in use every 250 ms was replaced: %d, then %d", pid, got)
		}
	}
	waitGone(t, pid)

	h = newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	h.IdleTimeout = 300 * time.Millisecond
	pid = h.pid()
	h.mustCall("twhereslow") // 500 ms: the timer fires during the call
	if got := h.pid(); got != pid {
		t.Fatalf("the process was replaced after a long call: %d, then %d", pid, got)
	}
	waitGone(t, pid)
}

// nsh reads the calls socket with a blocking read(2): closing it (a call
// killed, the host closing) must end a read blocked in it, or the caller
// would wait for ever.
func TestCallsCloseEndsBlockedRead(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours := blockingSocket{os.NewFile(uintptr(fds[0]), "ours"), new(sync.Once)}
	theirs := os.NewFile(uintptr(fds[1]), "theirs")
	t.Cleanup(func() { ours.Close(); theirs.Close() })
	host := pluginv1.NewHostCalls(ours, ours, ours)
	got := make(chan error, 1)
	go func() { _, err := host.Recv(); got <- err }()
	time.Sleep(50 * time.Millisecond) // blocked in read(2) by now
	host.Close()
	select {
	case err := <-got:
		if err == nil {
			t.Error("Recv after Close returned a message")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the blocked read")
	}
	if err := ours.Close(); err != nil { // again: harmless
		t.Error(err)
	}
}
