package nsctx

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nsh-dev/nsh/internal/mountinfo"
	"github.com/nsh-dev/nsh/internal/walk"
	"golang.org/x/sys/unix"
)

// NetnsDir is where iproute2 keeps named network namespaces.
const NetnsDir = "/run/netns"

// NetnsPath returns the file of the ip netns namespace NAME, or an error
// for a name ip netns would refuse.
func NetnsPath(name string) (string, error) {
	if name == "" || len(name) > 255 || strings.Contains(name, "/") || name == "." || name == ".." {
		return "", fmt.Errorf("invalid netns name %q", name)
	}
	return filepath.Join(NetnsDir, name), nil
}

// ParseNsfsMount parses one line of /proc/PID/mountinfo and reports the
// nsfs mount (a pin) it describes, for the host-wide listing in nsinfo.
// The root field of an nsfs mount is "KIND:[INODE]".
func ParseNsfsMount(line string) (PinInfo, bool) {
	m, ok := mountinfo.Parse(line)
	if !ok || m.FSType != "nsfs" {
		return PinInfo{}, false
	}
	kind, ino, ok := strings.Cut(strings.TrimSuffix(m.Root, "]"), ":[")
	if !ok || !strings.HasSuffix(m.Root, "]") {
		return PinInfo{}, false
	}
	k, err := ParseKind(kind)
	if err != nil {
		return PinInfo{}, false
	}
	n, err := strconv.ParseUint(ino, 10, 64)
	if err != nil {
		return PinInfo{}, false
	}
	return PinInfo{Path: m.Point, Kind: k, Ino: n}, true
}

// PinNetns pins the context's network namespace as /run/netns/NAME the way
// `ip netns add` does, so ip netns list/exec/del work on it. As iproute2
// does, the run directory is made a shared mount in a peer group of its own
// (under an exclusive flock, so parallel ip/nsh runs do not stack mounts):
// `ip netns del` in one mount namespace then unmounts the pin everywhere and
// the namespace can be freed.
func (c *Context) PinNetns(name string) (PinInfo, error) {
	path, err := NetnsPath(name)
	if err != nil {
		return PinInfo{}, err
	}
	if unix.Geteuid() != 0 {
		return PinInfo{}, &Error{Path: path, Err: fmt.Errorf("%w: ip netns names live in the host's /run/netns, which takes no mount without root; pin net PATH pins inside the context's mount namespace", ErrPermission)}
	}
	h, err := c.OpenCurrent(Net)
	if err != nil {
		return PinInfo{}, err
	}
	defer h.Close()
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
				return &Error{Path: path, Err: fmt.Errorf("netns %q exists already (ip netns del %s, or unpin it)", name, name)}
			}
			return pathError(path, err)
		}
		defer unix.Close(fd)
		if err := mountOn(h, fd); err != nil {
			unlinkSame(dir, name, fd)
			return pathError(path, err)
		}
		return nil
	})
	if err != nil {
		return PinInfo{}, err
	}
	p := PinInfo{Path: path, Kind: Net, Ino: h.id.Ino}
	c.made.add(p)
	return p, nil
}

// netnsDir makes /run/netns a shared mount in its own peer group, as
// iproute2's netns_add does, and returns an fd of it.
func netnsDir() (int, error) {
	run, err := walk.Parent(NetnsDir, false)
	if err != nil {
		return -1, walkError(NetnsDir, err)
	}
	defer run.Close()
	if err := unix.Mkdirat(run.Fd, run.Name, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return -1, pathError(NetnsDir, err)
	}
	lock, err := unix.Openat(run.Fd, run.Name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, pathError(NetnsDir, err)
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
		return -1, &Error{Path: NetnsDir, Err: fmt.Errorf("making it a shared mount: %v", plain(err))}
	}
	dir, err := bindSelf(lock)
	if err != nil {
		return -1, &Error{Path: NetnsDir, Err: fmt.Errorf("bind-mounting it onto itself: %v", plain(err))}
	}
	if err := propagate(dir, unix.MS_PRIVATE); err != nil {
		unix.Close(dir)
		return -1, &Error{Path: NetnsDir, Err: fmt.Errorf("making it private: %v", plain(err))}
	}
	if err := propagate(dir, unix.MS_SHARED); err != nil {
		unix.Close(dir)
		return -1, &Error{Path: NetnsDir, Err: fmt.Errorf("making it a shared mount: %v", plain(err))}
	}
	return dir, nil
}
