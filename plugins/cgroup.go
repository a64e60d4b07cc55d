package plugins

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// A plugin process and everything it starts end together: each process
// runs in a cgroup (v2) of its own, below one the host makes under nsh's
// own cgroup,
//
//	<nsh's cgroup>/nsh-plugins-PID-N/1, 2, ...
//
// It is started straight into it (clone3 with CLONE_INTO_CGROUP), so what
// it forks stays in it whatever process group or session it moves to, and
// writing cgroup.kill ends them all. nsh does so when the process has
// exited or is killed. For when nsh cannot (SIGKILL), the reaper, a small
// process of its own, holds the read end of a pipe only nsh can write:
// when the kernel closes nsh's end, the reaper kills and removes the whole
// nsh-plugins tree. A process group cannot do this (a program may leave
// it), nor a child subreaper (it dies with nsh), nor a pid namespace per
// plugin process (the plugin would no longer be in the context's pid
// namespace, which is the point of a plugin).
//
// Without a writable cgroup v2 (nsh not root, no cgroup2 mount, Linux
// before 5.14), or from a cgroup namespace that does not contain nsh's
// cgroup (a container's) when cgroup2 is mounted with nsdelegate (as
// systemd does; the kernel then refuses to start a process from there
// into nsh's cgroups), a plugin has its process group only.
type cgroups struct {
	once   sync.Once
	base   int // nsh's own cgroup; -1 without one
	dir    int // nsh-plugins-PID-N
	name   string
	proc   int  // the host's /proc: thread-self there is the context thread
	deleg  bool // mounted with nsdelegate: cgroup namespaces are boundaries
	err    error
	n      atomic.Int64
	keep   *os.File // the reaper's pipe
	reaper *exec.Cmd
}

// A plugin process's cgroup.
type cgroup struct {
	parent int
	name   string
	fd     int
}

var cgroupSeq atomic.Int64

// setup makes the plugins' cgroup and starts the reaper, once, in a
// goroutine of its own: the caller may be on the context thread, and both
// belong at home.
func (c *cgroups) setup() error {
	c.once.Do(func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.base, c.dir, c.proc = -1, -1, -1
			if c.err = c.make(); c.err != nil {
				c.close()
			}
		}()
		<-done
	})
	return c.err
}

func (c *cgroups) make() error {
	path, deleg, err := ownCgroup()
	c.deleg = deleg
	if err != nil {
		return err
	}
	if c.base, err = unix.Open(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	if c.proc, err = unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
		return err
	}
	sweepCgroups(c.base)
	for {
		c.name = fmt.Sprintf("nsh-plugins-%d-%d", os.Getpid(), cgroupSeq.Add(1))
		if err = unix.Mkdirat(c.base, c.name, 0o755); err != unix.EEXIST {
			break
		}
	}
	if err != nil {
		c.name = ""
		return fmt.Errorf("making a cgroup in %s: %w", path, err)
	}
	if c.dir, err = unix.Openat(c.base, c.name, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
		return err
	}
	if err := unix.Faccessat(c.dir, "cgroup.kill", unix.F_OK, 0); err != nil {
		return fmt.Errorf("no cgroup.kill (Linux 5.14 or later has it): %w", err)
	}
	return c.startReaper()
}

// sweepCgroups removes what an nsh killed before its cleanup left in
// base: nsh-plugins-PID-N of a PID that no longer runs, and the per
// process cgroups inside. rmdir takes empty cgroups only: one that still
// has a process stays.
func sweepCgroups(base int) {
	names := func(dir int) []string {
		fd, err := unix.Openat(dir, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil
		}
		f := os.NewFile(uintptr(fd), "cgroup")
		defer f.Close()
		ns, _ := f.Readdirnames(-1)
		return ns
	}
	for _, name := range names(base) {
		rest, ok := strings.CutPrefix(name, "nsh-plugins-")
		pid, _, _ := strings.Cut(rest, "-")
		n, err := strconv.Atoi(pid)
		if !ok || err != nil || n <= 0 || unix.Kill(n, 0) != unix.ESRCH {
			continue
		}
		dir, err := unix.Openat(base, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		for _, sub := range names(dir) {
			if _, err := strconv.Atoi(sub); err == nil {
				unix.Unlinkat(dir, sub, unix.AT_REMOVEDIR)
			}
		}
		unix.Close(dir)
		unix.Unlinkat(base, name, unix.AT_REMOVEDIR)
	}
}

// ownCgroup is the directory of nsh's cgroup v2, and whether cgroup2 is
// mounted with nsdelegate.
func ownCgroup() (dir string, nsdelegate bool, err error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", false, err
	}
	own, ok := "", false
	for _, line := range strings.Split(string(b), "\n") {
		if own, ok = strings.CutPrefix(line, "0::"); ok {
			break
		}
	}
	if !ok {
		return "", false, errors.New("nsh is in no cgroup v2")
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - FSTYPE SOURCE SUPER
		pre, post, _ := strings.Cut(sc.Text(), " - ")
		fields := strings.Fields(pre)
		if !strings.HasPrefix(post, "cgroup2 ") || len(fields) < 5 {
			continue
		}
		root, mnt := nsfs.UnescapeMountinfo(fields[3]), nsfs.UnescapeMountinfo(fields[4])
		if rel, ok := strings.CutPrefix(own, root); ok && (root == "/" || rel == "" || rel[0] == '/') {
			super := strings.Fields(post)
			deleg := len(super) > 2 && slices.Contains(strings.Split(super[2], ","), "nsdelegate")
			return mnt + "/" + strings.TrimPrefix(rel, "/"), deleg, nil
		}
	}
	return "", false, errors.New("no cgroup2 file system mounted that shows nsh's cgroup")
}

// reaperEnv makes nsh (any binary with this package), re-executed, the
// reaper: see init.
const reaperEnv = "_NSH_PLUGIN_REAPER"

func (c *cgroups) startReaper() error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	base, err := unix.FcntlInt(uintptr(c.base), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		w.Close()
		return err
	}
	baseFile := os.NewFile(uintptr(base), "cgroup")
	defer baseFile.Close()
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       []string{"nsh-plugin-reaper"},
		Env:        []string{reaperEnv + "=" + c.name},
		Dir:        "/",
		ExtraFiles: []*os.File{r, baseFile}, // fds 3 and 4
		// Its own process group: Ctrl-C and job control are not for it.
		SysProcAttr: &unix.SysProcAttr{Setpgid: true},
	}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("starting the plugin reaper: %w", err)
	}
	c.keep, c.reaper = w, cmd
	return nil
}

// The reaper's side: fd 3 is the pipe, fd 4 nsh's cgroup, the variable
// names the plugins' cgroup in it.
func init() {
	name, ok := os.LookupEnv(reaperEnv)
	if !ok {
		return
	}
	signal.Ignore(unix.SIGHUP, unix.SIGINT, unix.SIGQUIT, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU)
	io.Copy(io.Discard, os.NewFile(3, "keep"))
	removeCgroup(4, name)
	os.Exit(0)
}

// child makes the cgroup of one plugin process.
func (c *cgroups) child() (*cgroup, error) {
	if err := c.setup(); err != nil {
		return nil, err
	}
	name := strconv.FormatInt(c.n.Add(1), 10)
	if err := unix.Mkdirat(c.dir, name, 0o755); err != nil {
		return nil, err
	}
	fd, err := unix.Openat(c.dir, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Unlinkat(c.dir, name, unix.AT_REMOVEDIR)
		return nil, err
	}
	return &cgroup{c.dir, name, fd}, nil
}

// usableHere reports whether the context thread (run it there) may start a
// process into the plugins' cgroups. With nsdelegate its cgroup namespace
// must contain nsh's cgroup, which then has no "/.." in the path the
// thread sees for it. The host's /proc is read, since the context's may
// not show nsh.
func (c *cgroups) usableHere() bool {
	if !c.deleg {
		return true
	}
	b := make([]byte, 4096)
	fd, err := unix.Openat(c.proc, "thread-self/cgroup", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	n, err := unix.Read(fd, b)
	unix.Close(fd)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b[:n]), "\n") {
		if own, ok := strings.CutPrefix(line, "0::"); ok {
			return !strings.HasPrefix(own, "/..")
		}
	}
	return false
}

// kill kills every process in g.
func (g *cgroup) kill() {
	killCgroup(g.fd)
}

// remove kills what is left in g and removes it.
func (g *cgroup) remove() {
	removeCgroup(g.parent, g.name)
	unix.Close(g.fd)
}

func killCgroup(dir int) error {
	fd, err := unix.Openat(dir, "cgroup.kill", unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	_, err = unix.Write(fd, []byte("1"))
	return err
}

// removeCgroup kills everything in the cgroup name (in the directory
// parent) and below, and removes them all, waiting a few seconds at most
// for the killed to exit.
func removeCgroup(parent int, name string) {
	dir, err := unix.Openat(parent, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	killCgroup(dir)
	f := os.NewFile(uintptr(dir), name)
	ents, _ := f.ReadDir(-1)
	for _, e := range ents {
		if e.IsDir() {
			removeCgroup(dir, e.Name())
		}
	}
	f.Close()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if err := unix.Unlinkat(parent, name, unix.AT_REMOVEDIR); err != unix.EBUSY || time.Now().After(deadline) {
			return
		}
	}
}

// shutdown removes the plugins' cgroup for good.
func (c *cgroups) shutdown() {
	c.once.Do(func() {
		c.base, c.dir, c.proc = -1, -1, -1
		c.err = errors.New("the plugin host is closed")
	})
	c.close()
}

// close removes the plugins' cgroup, through the reaper when there is one:
// the same way as when nsh dies.
func (c *cgroups) close() {
	if c.keep != nil {
		c.keep.Close()
		c.reaper.Wait()
		c.keep = nil
	} else if c.name != "" {
		removeCgroup(c.base, c.name)
	}
	c.name = ""
	for _, fd := range []*int{&c.base, &c.dir, &c.proc} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
}
