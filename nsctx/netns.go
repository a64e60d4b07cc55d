package nsctx

import (
	"errors"
	"fmt"

	"github.com/nsh-dev/nsh/internal/walk"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// PinNetns pins the context's network namespace as /run/netns/NAME the way
// `ip netns add` does, so ip netns list/exec/del work on it. As iproute2
// does, the run directory is made a shared mount in a peer group of its own
// (under an exclusive flock, so parallel ip/nsh runs do not stack mounts):
// `ip netns del` in one mount namespace then unmounts the pin everywhere and
// the namespace can be freed.
func (c *Context) PinNetns(name string) (PinInfo, error) {
	h, err := c.OpenCurrent(nsfs.Net)
	if err != nil {
		return PinInfo{}, err
	}
	defer h.Close()
	return c.PinNetnsHandle(h, name)
}

// PinNetnsHandle is PinNetns of the network namespace h, which need not be
// the context's (pin -t TARGET --netns NAME). h stays the caller's.
func (c *Context) PinNetnsHandle(h *nsfs.Handle, name string) (PinInfo, error) {
	path, err := nsfs.NetnsPath(name)
	if err != nil {
		return PinInfo{}, err
	}
	if h.Kind() != nsfs.Net {
		return PinInfo{}, &nsfs.Error{Path: path, Err: fmt.Errorf("%w: a %s namespace, not net", nsfs.ErrWrongKind, h.Kind())}
	}
	if unix.Geteuid() != 0 {
		return PinInfo{}, &nsfs.Error{Path: path, Err: fmt.Errorf("%w: ip netns names live in the host's /run/netns, which takes no mount without root; pin net PATH pins inside the context's mount namespace", nsfs.ErrPermission)}
	}
	// These mounts happen in nsh's home mount namespace, where ip netns
	// looks. Everything is done by fd, from a walk to /run as pin does it.
	err = c.atHome(func() error {
		dir, err := netnsDir()
		if err != nil {
			return err
		}
		defer unix.Close(dir)
		fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			if errors.Is(err, unix.EEXIST) {
				return &nsfs.Error{Path: path, Err: fmt.Errorf("netns %q exists already (ip netns del %s, or unpin it)", name, name)}
			}
			return nsfs.PathError(path, err)
		}
		defer unix.Close(fd)
		if err := mountOn(h, fd); err != nil {
			unlinkSame(dir, name, fd)
			return nsfs.PathError(path, err)
		}
		return nil
	})
	if err != nil {
		return PinInfo{}, err
	}
	p := PinInfo{Path: path, Kind: nsfs.Net, Ino: h.ID().Ino}
	c.made.add(p)
	return p, nil
}

// netnsDir makes /run/netns a shared mount in its own peer group, as
// iproute2's netns_add does, and returns an fd of it.
func netnsDir() (int, error) {
	run, err := walk.Parent(nsfs.NetnsDir, false)
	if err != nil {
		return -1, walkError(nsfs.NetnsDir, err)
	}
	defer run.Close()
	if err := unix.Mkdirat(run.Fd, run.Name, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return -1, nsfs.PathError(nsfs.NetnsDir, err)
	}
	lock, err := unix.Openat(run.Fd, run.Name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, nsfs.PathError(nsfs.NetnsDir, err)
	}
	defer unix.Close(lock)
	// Like ip, go on without the lock if flock fails.
	if unix.Flock(lock, unix.LOCK_EX) == nil {
		defer unix.Flock(lock, unix.LOCK_UN)
	}
	err = propagate(lock, unix.MS_SHARED)
	if err == nil {
		return unix.FcntlInt(uintptr(lock), unix.F_DUPFD_CLOEXEC, 0)
	}
	// EINVAL: not a mount point yet. Make it one, private first so that
	// making it shared puts it in a new peer group.
	if !errors.Is(err, unix.EINVAL) {
		return -1, &nsfs.Error{Path: nsfs.NetnsDir, Err: fmt.Errorf("making it a shared mount: %v", nsfs.Plain(err))}
	}
	dir, err := bindSelf(lock)
	if err != nil {
		return -1, &nsfs.Error{Path: nsfs.NetnsDir, Err: fmt.Errorf("bind-mounting it onto itself: %v", nsfs.Plain(err))}
	}
	if err := propagate(dir, unix.MS_PRIVATE); err != nil {
		unix.Close(dir)
		return -1, &nsfs.Error{Path: nsfs.NetnsDir, Err: fmt.Errorf("making it private: %v", nsfs.Plain(err))}
	}
	if err := propagate(dir, unix.MS_SHARED); err != nil {
		unix.Close(dir)
		return -1, &nsfs.Error{Path: nsfs.NetnsDir, Err: fmt.Errorf("making it a shared mount: %v", nsfs.Plain(err))}
	}
	return dir, nil
}
