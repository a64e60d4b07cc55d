package nsctx

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// initProc is the init nsh started for a pid namespace it made. nsh holds
// the write end of a pipe whose read end init polls: when nsh closes it (or
// exits) init exits, and the kernel ends everything left in the namespace.
type initProc struct {
	pid   int
	keep  *os.File
	done  chan struct{}
	state *os.ProcessState
}

// startInit runs the helper as the first process of the pid namespace the
// context thread has just unshared (the thread's pid_for_children), with a
// fresh /proc mounted by it when proc is set. Runs on the thread.
func (c *Context) startInit(proc bool) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	cmd := &exec.Cmd{Path: "nsh-init", Args: []string{"nsh-init"}, Env: []string{}}
	if _, err := runHelper(&helperReq{mode: "init", uid: -1, gid: -1, proc: proc, keep: r}, cmd); err != nil {
		w.Close()
		return err
	}
	c.refresh(PID)
	ip := &initProc{pid: cmd.Process.Pid, keep: w, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		ip.state = cmd.ProcessState
		close(ip.done)
	}()
	c.addInit(c.cur[PID], ip)
	return nil
}

// trackInit follows an init the helper started with CLONE_PARENT: it is
// nsh's own child, so nsh can wait for it.
func (c *Context) trackInit(id ID, pid int, keep *os.File) {
	ip := &initProc{pid: pid, keep: keep, done: make(chan struct{})}
	p, err := os.FindProcess(pid)
	if err != nil {
		close(ip.done)
	} else {
		go func() {
			ip.state, _ = p.Wait()
			close(ip.done)
		}()
	}
	c.addInit(id, ip)
}

func (c *Context) addInit(id ID, ip *initProc) {
	if c.inits == nil {
		c.inits = map[ID]*initProc{}
	}
	if old := c.inits[id]; old != nil {
		old.keep.Close()
	}
	c.inits[id] = ip
}

// checkInit says plainly when the init of the context's pid namespace,
// one nsh started, is gone: a fork into it would only fail with ENOMEM.
func (c *Context) checkInit() error {
	ip := c.inits[c.effective(PID)]
	if ip == nil {
		return nil
	}
	select {
	case <-ip.done:
	default:
		return nil
	}
	how := "exited"
	if ip.state != nil {
		if ws, ok := ip.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			how = fmt.Sprintf("was killed by signal %d (%s)", int(ws.Signal()), unix.SignalName(ws.Signal()))
		} else {
			how = fmt.Sprintf("exited with status %d", ip.state.ExitCode())
		}
	}
	return &Error{Kind: "pid", Err: fmt.Errorf("%w; its init (pid %d, started by nsh) %s", ErrPIDNoInit, ip.pid, how)}
}

// stopInits lets every init go and waits for them, so a closed context
// leaves no process behind. An init that does not go within a few seconds
// (stopped, say) is killed.
func stopInits(inits map[ID]*initProc) {
	for _, ip := range inits {
		ip.keep.Close()
	}
	for _, ip := range inits {
		select {
		case <-ip.done:
		case <-time.After(3 * time.Second):
			unix.Kill(ip.pid, unix.SIGKILL)
			<-ip.done
		}
	}
}
