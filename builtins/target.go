package builtins

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsfs"
	"github.com/nsh-dev/nsh/nsinfo"
	"golang.org/x/sys/unix"
)

// Target words that name a process rather than a file: ENGINE:NAME for a
// container (docker:web, podman:web), resolved to the container's init
// process through the engine (nsinfo.Inspect).

// getenv looks variables up in the shell, so that DOCKER_HOST set in nsh
// counts as it would for the docker program.
func getenv(env *command.Env) nsinfo.Getenv {
	return func(name string) (string, bool) {
		if env.Shell == nil {
			return "", false
		}
		return env.Shell.Var(name)
	}
}

// containerPID resolves a container word to its running init process. ok
// is false for words that name no container engine.
func containerPID(env *command.Env, word string) (c *nsinfo.Container, ok bool, err error) {
	engine, name, ok := nsinfo.ContainerRef(word)
	if !ok {
		return nil, false, nil
	}
	c, err = nsinfo.RunningPID(engine, name, getenv(env))
	return c, true, err
}

// processWord is a PID, PID:INODE or a container word, for -p and -t.
// check, called once the process's namespace files are open, says
// whether the process is still the one meant (nil: nothing to check).
func processWord(env *command.Env, word string) (pid int, check func() error, err error) {
	c, ok, err := containerPID(env, word)
	if ok {
		if err != nil {
			return 0, nil, err
		}
		return c.PID, nil, nil
	}
	ps, inode, hasInode := strings.Cut(word, ":")
	pid, err = strconv.Atoi(ps)
	if err != nil || pid <= 0 {
		return 0, nil, usageError("want a process id, PID:INODE or ENGINE:NAME, not %q", word)
	}
	if !hasInode {
		return pid, nil, nil
	}
	ino, err := strconv.ParseUint(inode, 10, 64)
	if err != nil {
		return 0, nil, usageError("bad inode in %q", word)
	}
	check, err = pidfdCheck(pid, ino)
	return pid, check, err
}

// pidfdCheck makes sure pid is the process whose pidfd has inode ino (as
// util-linux 2.41 writes PID:INODE: pidfs gives every process an inode of
// its own, never reused while the system runs), and gives a check that it
// is still alive: a live process's pid cannot have been reused.
func pidfdCheck(pid int, ino uint64) (func() error, error) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, fmt.Errorf("no process %d: %w", pid, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if st.Ino != ino {
		unix.Close(fd)
		return nil, fmt.Errorf("process %d is not %d:%d (its pidfd inode is %d: the pid was reused?)", pid, pid, ino, st.Ino)
	}
	return func() error {
		defer unix.Close(fd)
		if err := unix.PidfdSendSignal(fd, 0, nil, 0); err != nil {
			return fmt.Errorf("process %d:%d ended meanwhile", pid, ino)
		}
		return nil
	}, nil
}

// setnsWord handles setns ENGINE:NAME [KIND...] (the container's
// process's namespaces, as setns -t PID would join them) and setns nsid:N.
// done is false when ops name neither.
func setnsWord(env *command.Env, ops []string) (done bool, err error) {
	if len(ops) == 0 {
		return false, nil
	}
	if n, ok := strings.CutPrefix(ops[0], "nsid:"); ok {
		return true, setnsNsid(env, n, ops[1:])
	}
	c, ok, err := containerPID(env, ops[0])
	if !ok || err != nil {
		return ok, err
	}
	ids, err := nsfs.ProcessIDs(c.PID)
	if err != nil {
		if _, serr := os.Stat(fmt.Sprintf("/proc/%d", c.PID)); serr != nil {
			// conmon and the container died without telling podman
			// (a killed VM session): its state still says running.
			return true, fmt.Errorf("%s: %s says it runs as process %d, but there is no such process (stale engine state: restart the container)", c.Label(), c.Engine, c.PID)
		}
		return true, fmt.Errorf("%s: process %d: %w", c.Label(), c.PID, err)
	}
	if err := setnsProcess(env, strconv.Itoa(c.PID), ops[1:], false); err != nil {
		return true, err
	}
	// For the prompt (net=podman:web), which cannot ask the engine at
	// every line.
	for _, id := range ids {
		if !id.IsZero() {
			nsinfo.RememberContainer(id, c.Label())
		}
	}
	return true, nil
}

// setnsNsid joins the network namespace that the context's gives nsid n.
func setnsNsid(env *command.Env, n string, rest []string) error {
	if len(rest) > 1 || len(rest) == 1 && rest[0] != "net" {
		return usageError("nsid:N is a network namespace")
	}
	id, err := strconv.Atoi(n)
	if err != nil {
		return usageError("nsid:N wants a number, not %q", n)
	}
	h, err := nsinfo.NetnsByNsid(id, env.Ctx.Do)
	if err != nil {
		return err
	}
	defer h.Close()
	return env.Ctx.Join(h)
}

// setnsSocket joins the network namespace of a socket (nsenter -N FD,
// SIOCGSKNS): FD is one of the command's descriptors (setns -N 3
// 3<&...), PID:FD another process's, taken with pidfd_getfd.
func setnsSocket(env *command.Env, word string) error {
	var sock int
	if ps, fs, ok := strings.Cut(word, ":"); ok {
		pid, err1 := strconv.Atoi(ps)
		fd, err2 := strconv.Atoi(fs)
		if err1 != nil || err2 != nil || pid <= 0 || fd < 0 {
			return usageError("-N wants FD or PID:FD, not %q", word)
		}
		pfd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			return fmt.Errorf("no process %d: %w", pid, err)
		}
		sock, err = unix.PidfdGetfd(pfd, fd, 0)
		unix.Close(pfd)
		if err != nil {
			return fmt.Errorf("fd %d of process %d: %w", fd, pid, err)
		}
	} else {
		fd, err := strconv.Atoi(word)
		if err != nil || fd < 0 {
			return usageError("-N wants FD or PID:FD, not %q", word)
		}
		f := commandFile(env, fd)
		if f == nil {
			return fmt.Errorf("fd %d is not open", fd)
		}
		if sock, err = unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0); err != nil {
			return err
		}
	}
	defer unix.Close(sock)
	nsfd, err := unix.IoctlRetInt(sock, unix.SIOCGSKNS)
	if err != nil {
		return fmt.Errorf("-N %s: not a socket whose network namespace can be read: %w", word, err)
	}
	h, err := nsfs.Open(fmt.Sprintf("/proc/self/fd/%d", nsfd))
	unix.Close(nsfd)
	if err != nil {
		return err
	}
	defer h.Close()
	return env.Ctx.Join(h)
}

// commandFile is the command's descriptor fd (0-2: nil, they are the
// shell's streams, not sockets nsh can hand on).
func commandFile(env *command.Env, fd int) *os.File {
	if fd < 3 || fd-3 >= len(env.Files) {
		return nil
	}
	return env.Files[fd-3]
}

// userParent opens the parent of the user namespace h (NS_GET_PARENT),
// for --user-parent.
func userParent(h *nsfs.Handle) (*nsfs.Handle, error) {
	fd, err := unix.IoctlRetInt(h.Fd(), unix.NS_GET_PARENT)
	if err != nil {
		return nil, fmt.Errorf("--user-parent: the parent of %s: %w", h, err)
	}
	p, err := nsfs.Open(fmt.Sprintf("/proc/self/fd/%d", fd))
	unix.Close(fd)
	return p, err
}

// containerText is ns -a's CONTAINER column.
func containerText(ns *nsinfo.Namespace) string {
	if ns.Container == nil {
		return "-"
	}
	return ns.Container.Label()
}

// appendContainer writes c as encoding/json would, at indent ind.
func appendContainer(b []byte, c *nsinfo.Container, ind string) []byte {
	if c == nil {
		return append(b, "null"...)
	}
	in := ind + "  "
	b = append(append(append(b, "{\n"...), in...), `"engine": `...)
	b = appendJSONString(b, c.Engine)
	b = append(append(append(b, ",\n"...), in...), `"name": `...)
	b = appendJSONString(b, c.Name)
	b = append(append(append(b, ",\n"...), in...), `"id": `...)
	b = appendJSONString(b, c.ID)
	return append(append(append(b, '\n'), ind...), '}')
}
