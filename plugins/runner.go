package plugins

import (
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"

	plugin "github.com/hashicorp/go-plugin"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
	"golang.org/x/sys/unix"
)

// procRunner starts a plugin process from the context thread, so that it lives
// in the context's namespaces. It is go-plugin's RunnerFunc: go-plugin still
// does the handshake, the gRPC connection and the shutdown, we only decide
// where and how the process is forked and where its socket is reached.
//
// A RunnerFunc (rather than starting the process ourselves and attaching
// with Reattach) keeps go-plugin's handshake parsing, StartTimeout and
// stderr handling, which a reattached client does not have.
type procRunner struct {
	ctx     *nsctx.Context
	path    string // the plugin file, as the host sees it (for messages)
	sockDir string // go-plugin's socket directory, as the host sees it
	cmd     *exec.Cmd
	stdout  io.ReadCloser
	stderr  io.ReadCloser

	pid       int
	at        [nsfs.NumKinds]nsfs.ID // the namespaces it started in (StartAt)
	translate bool                   // the plugin cannot see sockDir: reach it via /proc/PID/root

	cgroups *cgroups
	mu      sync.Mutex
	cg      *cgroup // the process's own, until it is waited for; nil: none
	waited  bool
	waitErr error
	extra   net.Listener // the host API's socket in the plugin's /tmp (hostToPlugin)

	// The calls sockets' ends, ours and the plugin's: [0] is named by
	// pluginv1.CallsFdKey, [1] by CallsInFdKey; nil once taken or closed.
	calls, theirCalls [2]*os.File
}

// newRunner prepares to run file, the descriptor openPlugin checked, of
// the plugin at path.
func newRunner(ctx *nsctx.Context, cgs *cgroups, path string, file *os.File, env []string, spec *exec.Cmd, sockDir string) (*procRunner, error) {
	// spec carries go-plugin's variables (cookie, versions, socket dir);
	// they come last so that they win over the shell's.
	cmd := &exec.Cmd{
		// Executed is the file checked, not whatever the path names by
		// now: it is the child's fd 3 (ExtraFiles reach the program also
		// when nsctx starts it through its helper), and /proc/self/fd/3
		// leads to it, for a script's interpreter too.
		Path:       pluginFd,
		Args:       []string{path},
		ExtraFiles: []*os.File{file},
		Env:        append(append([]string(nil), env...), spec.Env...),
		// Its own process group: the terminal's Ctrl-C goes to nsh alone,
		// which cancels the call. Pdeathsig: the plugin dies with nsh, even
		// when nsh is killed with SIGKILL. (The "parent" is the context
		// thread; should that thread ever end, its plugins end too and the
		// next call starts them afresh.)
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL},
	}
	r := &procRunner{ctx: ctx, path: path, sockDir: sockDir, cmd: cmd, cgroups: cgs}
	for i, key := range []string{pluginv1.CallsFdKey, pluginv1.CallsInFdKey} {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			r.closeCalls()
			return nil, err
		}
		r.calls[i], r.theirCalls[i] = os.NewFile(uintptr(fds[0]), "calls"), os.NewFile(uintptr(fds[1]), "calls")
		cmd.ExtraFiles = append(cmd.ExtraFiles, r.theirCalls[i])
		setenv(&cmd.Env, key, strconv.Itoa(2+len(cmd.ExtraFiles)))
	}
	var err error
	if r.stdout, err = cmd.StdoutPipe(); err == nil {
		r.stderr, err = cmd.StderrPipe()
	}
	if err != nil {
		r.closeCalls()
		return nil, err
	}
	return r, nil
}

// closeCalls closes the calls sockets' ends not taken.
func (r *procRunner) closeCalls() {
	for _, f := range append(r.calls[:], r.theirCalls[:]...) {
		if f != nil {
			f.Close()
		}
	}
	r.calls, r.theirCalls = [2]*os.File{}, [2]*os.File{}
}

// takeCalls is the calls sockets once the handshake is read, if the
// plugin serves calls on them (it said so before its handshake); nil
// otherwise, and the calls go on the Run stream.
func (r *procRunner) takeCalls() *pluginv1.HostCalls {
	r.mu.Lock()
	out, in := r.calls[0], r.calls[1]
	r.calls = [2]*os.File{}
	r.mu.Unlock()
	if out == nil {
		return nil
	}
	hello := make([]byte, len(pluginv1.CallsHello))
	n, _, err := unix.Recvfrom(int(out.Fd()), hello, unix.MSG_DONTWAIT)
	switch {
	case err == nil && string(hello[:n]) == pluginv1.CallsHelloIn:
		o, i := blockingSocket{out, new(sync.Once)}, blockingSocket{in, new(sync.Once)}
		return pluginv1.NewHostCalls(o, i, closers{o, i})
	case err == nil && string(hello[:n]) == pluginv1.CallsHello: // minor 3: both ways on one
		in.Close()
		o := blockingSocket{out, new(sync.Once)}
		return pluginv1.NewHostCalls(o, o, o)
	}
	out.Close()
	in.Close()
	return nil
}

// blockingSocket is a calls socket read and written with plain blocking
// system calls: a caller waiting for the plugin's answer sleeps in
// read(2) and is woken by the kernel, instead of parking in Go's poller,
// which costs a call an epoll_pwait, an EAGAIN read and a wake-up of
// another thread (and of sysmon).
type blockingSocket struct {
	*os.File
	once *sync.Once
}

// Close shuts the socket down first: a read blocked in it holds the file
// open, so closing alone would not end that read. Once only: the number
// may be another file's after.
func (s blockingSocket) Close() error {
	s.once.Do(func() {
		if rc, err := s.File.SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) { unix.Shutdown(int(fd), unix.SHUT_RDWR) })
		}
		s.File.Close()
	})
	return nil
}

type closers []io.Closer

func (cs closers) Close() error {
	for _, c := range cs {
		c.Close()
	}
	return nil
}

// pluginFd is how a plugin process is executed: through the descriptor of
// the file checked, its fd 3.
const pluginFd = "/proc/self/fd/3"

// Start forks the plugin on the context thread, into a cgroup of its own
// where it can (see cgroups). The file is executed through its descriptor,
// so it need not be visible in the context's mount namespace. Nor need
// go-plugin's socket directory: when it is not, the plugin puts its socket
// in its own /tmp, which the host reaches through /proc/PID/root.
func (r *procRunner) Start(context.Context) error {
	var dir unix.Stat_t
	if err := unix.Stat(r.sockDir, &dir); err != nil {
		return err
	}
	var dirVisible, cgOK bool
	err := r.ctx.Do(func() error {
		dirVisible = sameFile(r.sockDir, &dir)
		cgOK = r.cgroups.setup() == nil && r.cgroups.usableHere()
		return nil
	})
	if err != nil {
		return err
	}
	if cgOK {
		if r.cg, err = r.cgroups.child(); err == nil {
			r.cmd.SysProcAttr.UseCgroupFD, r.cmd.SysProcAttr.CgroupFD = true, r.cg.fd
		}
	}
	if !dirVisible {
		r.translate = true
		setenv(&r.cmd.Env, plugin.EnvUnixSocketDir, "/tmp")
	}
	if st, err := r.ctx.Status(); err == nil && st.Cur[nsfs.PID] != st.Home[nsfs.PID] {
		// Forked into another pid namespace the child's getppid() is 0, and
		// Go's fork code then takes the parent for dead and kills the child
		// at once. There the plugin dies with nsh otherwise: nsh's init for
		// a pid namespace it made ends the namespace when nsh goes, and the
		// SDK sets the parent-death signal itself.
		r.cmd.SysProcAttr.Pdeathsig = 0
	}
	r.at, err = r.ctx.StartAt(r.cmd)
	for _, f := range r.theirCalls { // the child has its own copies, or failed
		f.Close()
	}
	r.theirCalls = [2]*os.File{}
	if err != nil {
		r.closeCalls()
		if r.cg != nil {
			r.cg.remove()
			r.cg = nil
		}
		if errors.Is(err, nsctx.ErrNotFound) {
			if interp := r.missingInterp(); interp != "" {
				return fmt.Errorf("cannot execute it here: it is linked dynamically and its loader %s is not in the context's filesystem (a container's?); build it static (CGO_ENABLED=0 go build) to run it in any context", interp)
			}
			return fmt.Errorf("cannot execute it as %s: the context's /proc does not show the plugin's own process", pluginFd)
		}
		return err
	}
	r.pid = r.cmd.Process.Pid
	return nil
}

// missingInterp is the ELF interpreter (dynamic loader) the plugin file
// names when the context's filesystem lacks it: execve's ENOENT then
// means the loader, not the file. "" otherwise.
func (r *procRunner) missingInterp() string {
	// The checked file is an O_PATH descriptor: read it through a
	// descriptor of its own opened from it, the same inode.
	rd, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", r.cmd.ExtraFiles[0].Fd()))
	if err != nil {
		return ""
	}
	defer rd.Close()
	f, err := elf.NewFile(rd)
	if err != nil {
		return ""
	}
	var interp string
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, _ := io.ReadAll(p.Open())
			interp = strings.TrimRight(string(b), "\x00")
		}
	}
	if interp == "" {
		return ""
	}
	if r.ctx.Do(func() error { _, err := os.Stat(interp); return err }) == nil {
		return ""
	}
	return interp
}

// sameFile reports whether path names the file st describes (run on the
// context thread, it tells whether the context sees the host's file).
func sameFile(path string, st *unix.Stat_t) bool {
	var s unix.Stat_t
	return unix.Stat(path, &s) == nil && s.Dev == st.Dev && s.Ino == st.Ino
}

func setenv(env *[]string, key, val string) {
	kept := (*env)[:0]
	for _, kv := range *env {
		if !strings.HasPrefix(kv, key+"=") {
			kept = append(kept, kv)
		}
	}
	*env = append(kept, key+"="+val)
}

// Wait waits for the process, then ends what it left behind.
func (r *procRunner) Wait(context.Context) error {
	err := r.cmd.Wait()
	r.mu.Lock()
	r.waited, r.waitErr = true, err
	cg := r.cg
	r.cg = nil
	r.closeCalls() // if never taken: the process did not come up
	r.mu.Unlock()
	if cg != nil {
		cg.remove()
	}
	return err
}

// exitStatus describes how the process ended, once it has been waited for.
func (r *procRunner) exitStatus() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.waited {
		return ""
	}
	var ee *exec.ExitError
	if errors.As(r.waitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Sprintf("killed by signal %d (%s)", int(ws.Signal()), unix.SignalName(ws.Signal()))
		}
		return fmt.Sprintf("exit status %d", ee.ExitCode())
	}
	if r.waitErr != nil {
		return r.waitErr.Error()
	}
	return "exit status 0"
}

// Kill kills the plugin's cgroup and its process group, so that what it
// started goes too (what left the group goes only with the cgroup).
func (r *procRunner) Kill(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pid <= 0 || r.waited {
		return nil
	}
	if r.cg != nil {
		r.cg.kill()
	}
	if err := unix.Kill(-r.pid, unix.SIGKILL); err != nil && err != unix.ESRCH {
		return err
	}
	return nil
}

func (r *procRunner) PluginToHost(network, addr string) (string, string, error) {
	if network == "unix" && r.translate {
		return network, "/proc/" + strconv.Itoa(r.pid) + "/root" + addr, nil
	}
	return network, addr, nil
}

func (r *procRunner) HostToPlugin(network, addr string) (string, string, error) {
	return r.hostToPlugin(network, addr)
}

func (r *procRunner) Stdout() io.ReadCloser           { return r.stdout }
func (r *procRunner) Stderr() io.ReadCloser           { return r.stderr }
func (r *procRunner) Name() string                    { return r.path }
func (r *procRunner) ID() string                      { return strconv.Itoa(r.pid) }
func (r *procRunner) Diagnose(context.Context) string { return "" }
