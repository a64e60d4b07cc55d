package nsctx

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nsh-dev/nsh/internal/walk"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// OpenCurrent returns a new handle to the context's namespace of kind k
// (for pid and time, the one its programs are started in).
func (c *Context) OpenCurrent(k nsfs.Kind) (*nsfs.Handle, error) {
	var h *nsfs.Handle
	err := c.Do(func() (err error) {
		if v := c.via.ns[k]; v != nil {
			h, err = v.Dup()
			return err
		}
		if c.cur[k].IsZero() {
			return nsfs.KindError(k, errNoProcessYet)
		}
		h, err = nsfs.OpenProcess(0, k)
		return err
	})
	return h, err
}

// PinInfo is one pinned namespace: an nsfs bind mount.
type PinInfo struct {
	Path   string
	Kind   nsfs.Kind
	Ino    uint64
	Inside bool // in the context's mount namespace, not nsh's home one
}

// ErrNotPin is returned by Unpin for a path that holds no namespace.
var ErrNotPin = errors.New("not a pinned namespace (no nsfs mount there)")

// Pin bind-mounts the context's namespace of kind k onto path, creating the
// file and its parent directories as needed. The mount is made in nsh's
// home mount namespace (this runs off the context thread), so host tools
// see it and it outlives nsh. A relative path is taken from the context's
// working directory.
func (c *Context) Pin(k nsfs.Kind, path string) (PinInfo, error) {
	h, err := c.OpenCurrent(k)
	if err != nil {
		return PinInfo{}, err
	}
	defer h.Close()
	return c.PinHandle(h, path)
}

// PinHandle is Pin of the namespace h, which need not be the context's: a
// process's or a container's namespace pinned without the context moving
// (pin -t). h stays the caller's.
func (c *Context) PinHandle(h *nsfs.Handle, path string) (PinInfo, error) {
	k := h.Kind()
	if strings.HasSuffix(path, "/") {
		return PinInfo{}, &nsfs.Error{Path: path, Err: errors.New("ends in '/': a pin is a file (pin DIR pins every kind)")}
	}
	path, err := c.abs(path)
	if err != nil {
		return PinInfo{}, err
	}
	if k == nsfs.Mnt && h.ID() == c.home[nsfs.Mnt].ID() {
		return PinInfo{}, &nsfs.Error{Path: path, Err: errors.New("the home mount namespace cannot be pinned inside itself (the kernel refuses the loop)")}
	}
	if unix.Geteuid() != 0 {
		// Without root nsh's home mount namespace cannot take a mount;
		// one that the context's user namespace owns can.
		if err := c.pinInside(h, path); err != nil {
			return PinInfo{}, err
		}
		return PinInfo{Path: path, Kind: k, Ino: h.ID().Ino}, nil
	}
	if err := c.atHome(func() error { return pinHandle(h, path) }); err != nil {
		return PinInfo{}, err
	}
	p := PinInfo{Path: path, Kind: k, Ino: h.ID().Ino}
	c.made.add(p)
	return p, nil
}

// PinAll pins every kind that differs from home as DIR/KIND, all or none
// (mnt aside without root).
func (c *Context) PinAll(dir string) ([]PinInfo, error) {
	st, err := c.Status()
	if err != nil {
		return nil, err
	}
	var done []PinInfo
	for _, k := range nsfs.Kinds() {
		if !st.Differs(k) || k == nsfs.Mnt && unix.Geteuid() != 0 {
			// Without root pins go inside the context's mount
			// namespace, which cannot hold a pin of itself.
			continue
		}
		p, err := c.Pin(k, filepath.Join(dir, k.String()))
		if err != nil {
			for _, d := range done {
				c.Unpin(d.Path)
			}
			return nil, err
		}
		done = append(done, p)
	}
	if len(done) == 0 {
		return nil, errors.New("nothing to pin: every namespace of the context is home")
	}
	return done, nil
}

func (c *Context) abs(path string) (string, error) {
	if filepath.IsAbs(path) {
		return filepath.Clean(path), nil
	}
	wd, err := c.Getwd()
	if err != nil {
		return "", err
	}
	return filepath.Join(wd, path), nil
}

// pinHandle pins h onto path, walking to it as package walk does (no link
// followed that someone else could have made or changed) and mounting onto
// exactly the file it checked or made, by fd.
func pinHandle(h *nsfs.Handle, path string) error {
	d, err := walk.Parent(path, true)
	if err != nil {
		return walkError(path, err)
	}
	defer d.Close()
	target, created, err := pinTarget(d.Fd, d.Name, path)
	if err != nil {
		return err
	}
	defer unix.Close(target)
	err = mountOn(h, target)
	if err != nil && h.Kind() == nsfs.Mnt && errors.Is(err, unix.EINVAL) {
		// A mount namespace can only be pinned on a mount that is not
		// shared. Do what iproute2 does for /run/netns: bind the directory
		// onto itself and make it private, then try again on the file as
		// the new mount holds it.
		err = privatizeDir(d.Fd, filepath.Dir(path), func(dir int) error {
			fd, err := reopen(dir, d.Name, target)
			if err != nil {
				return err
			}
			defer unix.Close(fd)
			return mountOn(h, fd)
		})
		if err != nil {
			err = fmt.Errorf("%v: pinning a mount namespace needs a directory whose mount is not shared; try: mount --bind DIR DIR && mount --make-private DIR", nsfs.Plain(err))
		}
	}
	if err != nil && h.Kind() == nsfs.Mnt && errors.Is(err, unix.ELOOP) {
		err = errors.New("a mount namespace older than nsh's home one cannot be pinned in it (the kernel refuses the loop)")
	}
	if err != nil {
		if created {
			unlinkSame(d.Fd, d.Name, target)
		}
		return &nsfs.Error{Path: path, Err: nsfs.Plain(err)}
	}
	return nil
}

// pinTarget opens the file a pin goes onto, name in the directory dir:
// made new, or an empty file that is there already (as util-linux's
// unshare --net=FILE wants it), never a file with data (unpin removes the
// file it unmounts), a link, a directory or a pin.
func pinTarget(dir int, name, path string) (fd int, created bool, err error) {
	fd, err = unix.Openat(dir, name, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_RDONLY|unix.O_CLOEXEC, 0o444)
	if err == nil {
		return fd, true, nil
	}
	if !errors.Is(err, unix.EEXIST) && !errors.Is(err, unix.EISDIR) {
		return -1, false, nsfs.PathError(path, err)
	}
	fd, err = unix.Openat(dir, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, false, nsfs.PathError(path, err)
	}
	var st unix.Stat_t
	why := ""
	switch err := unix.Fstat(fd, &st); {
	case err != nil:
		why = nsfs.Plain(err).Error()
	case isNsfs(fd):
		why = "already a pin (unpin it first)"
	case st.Mode&unix.S_IFMT == unix.S_IFDIR:
		why = "is a directory (pin KIND PATH needs a file path; pin DIR pins every kind)"
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		why = "is a symbolic link: give the path of the pin itself"
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		why = "exists and is not a regular file"
	case st.Size > 0:
		why = "exists and is not empty: pin onto a new path or an empty file"
	default:
		return fd, false, nil
	}
	unix.Close(fd)
	return -1, false, &nsfs.Error{Path: path, Err: errors.New(why)}
}

// isNsfs reports whether fd is a namespace file: a pin, once it is mounted.
func isNsfs(fd int) bool {
	var fs unix.Statfs_t
	return unix.Fstatfs(fd, &fs) == nil && fs.Type == unix.NSFS_MAGIC
}

// mountOn bind-mounts the namespace h onto the file target, an fd (the new
// mount API: no path is looked up again).
func mountOn(h *nsfs.Handle, target int) error {
	tree, err := unix.OpenTree(h.Fd(), "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if err != nil {
		return err
	}
	defer unix.Close(tree)
	return unix.MoveMount(tree, "", target, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
}

// bindSelf binds the directory dir (an fd, and its mounts) onto itself and
// returns an fd of the new mount's root.
func bindSelf(dir int) (int, error) {
	tree, err := unix.OpenTree(dir, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE|unix.AT_EMPTY_PATH)
	if err != nil {
		return -1, err
	}
	if err := unix.MoveMount(tree, "", dir, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		unix.Close(tree)
		return -1, err
	}
	return tree, nil
}

// propagate sets the propagation (unix.MS_SHARED, MS_PRIVATE) of the mount
// whose root is fd and of those below it, as mount --make-rshared does.
func propagate(fd int, how uint64) error {
	return unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &unix.MountAttr{Propagation: how})
}

// unmountFd lazily unmounts the mount whose root fd is open on.
func unmountFd(fd int) error {
	return unix.Unmount("/proc/self/fd/"+strconv.Itoa(fd), unix.MNT_DETACH)
}

// privatizeDir binds the directory dirfd (path names it) onto itself and
// makes the new mount private, as iproute2 does for /run/netns, and runs fn
// on the directory as that mount holds it.
func privatizeDir(dirfd int, path string, fn func(dir int) error) error {
	real, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(dirfd))
	if err != nil {
		return err
	}
	for _, m := range nsfs.MountsUnder(real) {
		if m != real {
			// The self-bind would copy them on top and hide these,
			// which would then hold their namespaces with no way to
			// unpin them.
			return fmt.Errorf("%s holds mounts already (%s): binding it onto itself would hide them; pin into another directory, or make its mount private (mount --make-private)", path, m)
		}
	}
	dir, err := bindSelf(dirfd)
	if err != nil {
		return err
	}
	defer unix.Close(dir)
	// Private only once it is mounted: a mount moved under a shared one
	// is made shared.
	if err := unix.MountSetattr(dir, "", unix.AT_EMPTY_PATH, &unix.MountAttr{Propagation: unix.MS_PRIVATE}); err != nil {
		unmountFd(dir)
		return err
	}
	return fn(dir)
}

// reopen opens name in dir without following it, if it is still the file
// fd is open on.
func reopen(dir int, name string, fd int) (int, error) {
	nfd, err := unix.Openat(dir, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if !sameFile(nfd, fd) {
		unix.Close(nfd)
		return -1, errors.New("the file was replaced meanwhile")
	}
	return nfd, nil
}

func sameFile(a, b int) bool {
	var sa, sb unix.Stat_t
	return unix.Fstat(a, &sa) == nil && unix.Fstat(b, &sb) == nil && sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// unlinkSame removes name from dir if it is the file fd is open on.
func unlinkSame(dir int, name string, fd int) {
	if nfd, err := reopen(dir, name, fd); err == nil {
		unix.Close(nfd)
		unix.Unlinkat(dir, name, 0)
	}
}

// walkError is a failed walk to path, in the words of the rest of nsh.
func walkError(path string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return nsfs.PathError(path, pe.Err)
	}
	return &nsfs.Error{Path: path, Err: err}
}

// Unpin is the package's Unpin for a path taken from the context's working
// directory when relative, done in nsh's home mount namespace. A pin this
// context made may also be removed through a directory others can write
// (the package's Unpin refuses those). Without root, where pins are made
// inside the context's mount namespace, it is done there.
func (c *Context) Unpin(path string) error {
	path, err := c.abs(path)
	if err != nil {
		return err
	}
	if unix.Geteuid() != 0 {
		if done, err := c.unpinInside(path); done {
			return err
		}
	}
	return c.atHome(func() error {
		ino, err := unpin(path, func(ino uint64) bool { return c.made.has(path, ino) })
		if err == nil {
			c.made.remove(path, ino)
		}
		return err
	})
}

// UnpinDir undoes pin DIR: it unpins DIR/KIND for every kind pinned
// there and removes DIR when that leaves it empty (a directory others
// can change is left alone). It returns the pins it removed; none is
// ErrNotPin.
func (c *Context) UnpinDir(dir string) ([]string, error) {
	dir, err := c.abs(dir)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, k := range nsfs.Kinds() {
		p := filepath.Join(dir, k.String())
		err := c.Unpin(p)
		if errors.Is(err, ErrNotPin) || errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return done, err
		}
		done = append(done, p)
	}
	if len(done) == 0 {
		return nil, &nsfs.Error{Path: dir, Err: ErrNotPin}
	}
	if unix.Geteuid() != 0 {
		return done, nil // its pins were inside the context's mount namespace
	}
	return done, c.atHome(func() error {
		d, err := walk.Parent(dir, false)
		if err != nil {
			return walkError(dir, err)
		}
		defer d.Close()
		if d.Open != "" {
			return nil
		}
		if err := unix.Unlinkat(d.Fd, d.Name, unix.AT_REMOVEDIR); err != nil && !errors.Is(err, unix.ENOTEMPTY) && !errors.Is(err, unix.EEXIST) {
			return nsfs.PathError(dir, err)
		}
		return nil
	})
}

// madePins is the set of pins a context made, path and namespace inode:
// those it may unpin through a directory others can write.
type madePins struct {
	mu   sync.Mutex
	pins map[PinInfo]bool // Path and Ino only
}

func (m *madePins) add(p PinInfo) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pins == nil {
		m.pins = map[PinInfo]bool{}
	}
	m.pins[PinInfo{Path: p.Path, Ino: p.Ino}] = true
}

func (m *madePins) has(path string, ino uint64) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pins[PinInfo{Path: path, Ino: ino}]
}

func (m *madePins) remove(path string, ino uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.pins, PinInfo{Path: path, Ino: ino})
}

// unpinInside unpins path inside the context's mount namespace when the
// thread is not in it (pinInside); done is false when it is.
func (c *Context) unpinInside(path string) (done bool, err error) {
	err = c.Do(func() error {
		if c.via.ns[nsfs.Mnt] == nil {
			return nil
		}
		done = true
		r := &unpinReq{helperAt: c.via.at(), path: path}
		r.fork = c.via.ns[nsfs.PID] != nil
		_, err := helperRun(r)
		if he, ok := err.(*helperError); ok {
			switch {
			case he.what == "not a pin":
				return &nsfs.Error{Path: path, Err: ErrNotPin}
			case he.errno == unix.ELOOP:
				return &nsfs.Error{Path: path, Err: errors.New(he.what)}
			}
			return nsfs.PathError(path, he.errno)
		}
		return err
	})
	return done, err
}

// atHome runs fn on a thread in nsh's home namespaces: on the caller's, or,
// when the caller is the context thread itself (a script runs there, see
// Run), on a goroutine of its own. Pins must be made and removed where the
// host sees them.
func (c *Context) atHome(fn func() error) error {
	if !c.onThread() {
		return fn()
	}
	errc := make(chan error, 1)
	go func() { errc <- fn() }()
	return <-errc
}

// Unpin unmounts a pin and removes its file. The namespace lives on while
// a process or another pin still holds it. Call it off the context thread
// (or use Context.Unpin).
//
// The path is walked as pin walks it (no link followed that someone else
// could have made or changed) and the pin unmounted by fd, so it is what
// the path names that goes. A path through a directory others can write is
// refused: what it names is up to them.
func Unpin(path string) error {
	_, err := unpin(path, nil)
	return err
}

// unpin is Unpin; made reports whether the pin found, of namespace inode
// ino, is one the caller made, which may be unpinned through a directory
// others can write. It returns the inode.
func unpin(path string, made func(ino uint64) bool) (uint64, error) {
	d, err := walk.Parent(path, false)
	if err != nil {
		return 0, walkError(path, err)
	}
	defer d.Close()
	fd, err := unix.Openat(d.Fd, d.Name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, nsfs.PathError(path, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, nsfs.PathError(path, err)
	}
	if !isNsfs(fd) {
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return 0, &nsfs.Error{Path: path, Err: fmt.Errorf("is a symbolic link: give the path of the pin itself (%w)", ErrNotPin)}
		}
		return 0, &nsfs.Error{Path: path, Err: ErrNotPin}
	}
	if d.Open != "" && (made == nil || !made(st.Ino)) {
		return 0, &nsfs.Error{Path: path, Err: fmt.Errorf("not unpinned: directory %s on the way is %s, so what this path names is up to others; nsh unpins there only the pins it made itself", d.Open, d.Why)}
	}
	ino := st.Ino
	if err := unmountFd(fd); err != nil {
		return 0, nsfs.PathError(path, err)
	}
	// The file under the pin goes too, as with ip netns del, but only an
	// empty one: a pin made by someone else over a file with data (or a
	// second mount stacked on the same path) leaves it alone.
	under, err := unix.Openat(d.Fd, d.Name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return ino, nil
	}
	defer unix.Close(under)
	if unix.Fstat(under, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG || st.Size > 0 || isNsfs(under) {
		return ino, nil
	}
	if err := unix.Unlinkat(d.Fd, d.Name, 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return ino, nsfs.PathError(path, err)
	}
	return ino, nil
}

// Pins lists the nsfs mounts of nsh's home mount namespace, in mount order.
func Pins() ([]PinInfo, error) {
	// thread-self of a goroutine that is not the context's: a home thread.
	f, err := os.Open("/proc/thread-self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readPins(f)
}

// Pins is the package's Pins and, without root, the pins inside the
// context's mount namespace when the thread is not in it: where nsh makes
// pins then (pinInside), read by a helper there.
func (c *Context) Pins() ([]PinInfo, error) {
	pins, err := Pins()
	if err != nil || unix.Geteuid() == 0 {
		return pins, err
	}
	var inside []PinInfo
	err = c.Do(func() error {
		if c.via.ns[nsfs.Mnt] == nil {
			return nil
		}
		f, err := c.viaOpen("/proc/self/mountinfo")
		if err != nil {
			return fmt.Errorf("reading the context's mounts: %w", err)
		}
		defer f.Close()
		inside, err = readPins(f)
		return err
	})
	home := len(pins)
	for _, p := range inside {
		// The namespace's mounts began as a copy of home's.
		if !slices.Contains(pins[:home], p) {
			p.Inside = true
			pins = append(pins, p)
		}
	}
	return pins, err
}

func readPins(f io.Reader) ([]PinInfo, error) {
	var pins []PinInfo
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if p, ok := parseMountinfo(sc.Text()); ok {
			pins = append(pins, p)
		}
	}
	return pins, sc.Err()
}

// parseMountinfo reads one line of /proc/PID/mountinfo; only nsfs mounts
// are of interest.
func parseMountinfo(line string) (PinInfo, bool) {
	p, ok := nsfs.ParsePin(line)
	return PinInfo{Path: p.Path, Kind: p.Kind, Ino: p.Ino}, ok
}

var errPinNoRoot = errors.New("pins are bind mounts, and without root nsh's home mount namespace takes none; in a user namespace run 'unshare mnt' first, and pins are made inside it (seen by the programs there)")

// pinInside pins h onto path inside the context's mount namespace, through
// the helper, as the root of the context's user namespace. The pin lives as
// long as that mount namespace; 'umount PATH' run in the context removes it.
func (c *Context) pinInside(h *nsfs.Handle, path string) error {
	return c.Do(func() error {
		if c.via.ns[nsfs.Mnt] == nil || c.via.ns[nsfs.User] == nil {
			return &nsfs.Error{Path: path, Err: errPinNoRoot}
		}
		if h.Kind() == nsfs.Mnt && h.ID() == c.via.ns[nsfs.Mnt].ID() {
			return &nsfs.Error{Path: path, Err: errors.New("a mount namespace cannot be pinned inside itself (the kernel refuses the loop)")}
		}
		r := &pinReq{helperAt: c.via.at(), ns: h, path: path}
		r.fork = c.via.ns[nsfs.PID] != nil
		_, err := helperRun(r)
		if he, ok := err.(*helperError); ok {
			return &nsfs.Error{Path: path, Err: fmt.Errorf("%s: %w", he.what, nsfs.Plain(he.errno))}
		}
		return err
	})
}
