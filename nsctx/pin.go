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

	"github.com/nsh-dev/nsh/internal/mountinfo"
	"golang.org/x/sys/unix"
)

// OpenCurrent returns a new handle to the context's namespace of kind k
// (for pid and time, the one its programs are started in).
func (c *Context) OpenCurrent(k Kind) (*Handle, error) {
	var h *Handle
	err := c.Do(func() (err error) {
		if v := c.via.ns[k]; v != nil {
			h, err = v.dup()
			return err
		}
		if c.cur[k].IsZero() {
			return kindError(k, errNoProcessYet)
		}
		h, err = OpenProcess(0, k)
		return err
	})
	return h, err
}

// PinInfo is one pinned namespace: an nsfs bind mount.
type PinInfo struct {
	Path   string
	Kind   Kind
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
func (c *Context) Pin(k Kind, path string) (PinInfo, error) {
	if strings.HasSuffix(path, "/") {
		return PinInfo{}, &Error{Path: path, Err: errors.New("ends in '/': a pin is a file (pin DIR pins every kind)")}
	}
	path, err := c.abs(path)
	if err != nil {
		return PinInfo{}, err
	}
	h, err := c.OpenCurrent(k)
	if err != nil {
		return PinInfo{}, err
	}
	defer h.Close()
	if k == Mnt && h.id == c.home[Mnt].id {
		return PinInfo{}, &Error{Path: path, Err: errors.New("the home mount namespace cannot be pinned inside itself (the kernel refuses the loop)")}
	}
	if unix.Geteuid() != 0 {
		// Without root nsh's home mount namespace cannot take a mount;
		// one that the context's user namespace owns can.
		if err := c.pinInside(h, path); err != nil {
			return PinInfo{}, err
		}
		return PinInfo{Path: path, Kind: k, Ino: h.id.Ino}, nil
	}
	if err := c.atHome(func() error { return pinHandle(h, path) }); err != nil {
		return PinInfo{}, err
	}
	return PinInfo{Path: path, Kind: k, Ino: h.id.Ino}, nil
}

// PinAll pins every kind that differs from home as DIR/KIND, all or none.
func (c *Context) PinAll(dir string) ([]PinInfo, error) {
	st, err := c.Status()
	if err != nil {
		return nil, err
	}
	var done []PinInfo
	for _, k := range Kinds() {
		if !st.Differs(k) {
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

func isPin(path string) bool {
	var fs unix.Statfs_t
	return unix.Statfs(path, &fs) == nil && fs.Type == unix.NSFS_MAGIC
}

func pinHandle(h *Handle, path string) error {
	if isPin(path) {
		return &Error{Path: path, Err: errors.New("already a pin (unpin it first)")}
	}
	created := false
	if st, err := os.Lstat(path); err == nil {
		// A pin goes onto a new file or an empty one (as util-linux's
		// unshare --net=FILE wants it), never over a file with data:
		// unpin removes the file it unmounts.
		switch {
		case st.IsDir():
			return &Error{Path: path, Err: errors.New("is a directory (pin KIND PATH needs a file path; pin DIR pins every kind)")}
		case st.Mode()&os.ModeSymlink != 0:
			return &Error{Path: path, Err: errors.New("is a symbolic link: give the path of the pin itself")}
		case !st.Mode().IsRegular():
			return &Error{Path: path, Err: errors.New("exists and is not a regular file")}
		case st.Size() > 0:
			return &Error{Path: path, Err: errors.New("exists and is not empty: pin onto a new path or an empty file")}
		}
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return pathError(filepath.Dir(path), unwrapPath(err))
		}
		fd, err := unix.Open(path, unix.O_CREAT|unix.O_EXCL|unix.O_RDONLY|unix.O_CLOEXEC, 0o444)
		if err != nil {
			return pathError(path, err)
		}
		unix.Close(fd)
		created = true
	}
	src := "/proc/self/fd/" + strconv.Itoa(h.fd)
	err := unix.Mount(src, path, "", unix.MS_BIND, "")
	if err != nil && h.kind == Mnt && errors.Is(err, unix.EINVAL) {
		// A mount namespace can only be pinned on a mount that is not
		// shared. Do what iproute2 does for /run/netns: bind the directory
		// onto itself and make it private, then try again.
		err = privatizeDir(filepath.Dir(path))
		if err == nil {
			err = unix.Mount(src, path, "", unix.MS_BIND, "")
		}
		if err != nil {
			err = fmt.Errorf("%v: pinning a mount namespace needs a directory whose mount is not shared; try: mount --bind DIR DIR && mount --make-private DIR", plain(err))
		}
	}
	if err != nil {
		if created {
			os.Remove(path)
		}
		return &Error{Path: path, Err: plain(err)}
	}
	return nil
}

func privatizeDir(dir string) error {
	for _, m := range mountinfo.Under(dir) {
		if m != dir {
			// The self-bind would copy them on top and hide these,
			// which would then hold their namespaces with no way to
			// unpin them.
			return fmt.Errorf("%s holds mounts already (%s): binding it onto itself would hide them; pin into another directory, or make its mount private (mount --make-private)", dir, m)
		}
	}
	if err := unix.Mount(dir, dir, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	if err := unix.Mount("none", dir, "", unix.MS_PRIVATE, ""); err != nil {
		unix.Unmount(dir, unix.MNT_DETACH)
		return err
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Unpin is the package's Unpin for a path taken from the context's working
// directory when relative, done in nsh's home mount namespace. Without
// root, where pins are made inside the context's mount namespace, it is
// done there.
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
	return c.atHome(func() error { return Unpin(path) })
}

// unpinInside unpins path inside the context's mount namespace when the
// thread is not in it (pinInside); done is false when it is.
func (c *Context) unpinInside(path string) (done bool, err error) {
	err = c.Do(func() error {
		if c.via.ns[Mnt] == nil {
			return nil
		}
		done = true
		r := c.via.request("unpin")
		r.fork = c.via.ns[PID] != nil
		r.pinPath = path
		_, err := helperRun(r)
		if he, ok := err.(*helperError); ok {
			if he.what == "not a pin" {
				return &Error{Path: path, Err: ErrNotPin}
			}
			return pathError(path, he.errno)
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
func Unpin(path string) error {
	if !isPin(path) {
		if _, err := os.Lstat(path); err != nil {
			return pathError(path, unwrapPath(err))
		}
		return &Error{Path: path, Err: ErrNotPin}
	}
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil {
		return pathError(path, err)
	}
	// The file under the pin goes too, as with ip netns del, but only an
	// empty one: a pin made by someone else over a file with data (or a
	// second mount stacked on the same path) leaves it alone.
	if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() || st.Size() > 0 || isPin(path) {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return pathError(path, unwrapPath(err))
	}
	return nil
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
		if c.via.ns[Mnt] == nil {
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
// are of interest. The root field is "KIND:[INODE]".
func parseMountinfo(line string) (PinInfo, bool) {
	pre, post, ok := strings.Cut(line, " - ")
	if !ok || !strings.HasPrefix(post, "nsfs ") {
		return PinInfo{}, false
	}
	f := strings.Fields(pre)
	if len(f) < 5 {
		return PinInfo{}, false
	}
	kind, ino, ok := strings.Cut(strings.TrimSuffix(f[3], "]"), ":[")
	if !ok {
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
	return PinInfo{Path: mountinfo.Unescape(f[4]), Kind: k, Ino: n}, true
}

var errPinNoRoot = errors.New("pins are bind mounts, and without root nsh's home mount namespace takes none; in a user namespace run 'unshare mnt' first, and pins are made inside it (seen by the programs there)")

// pinInside pins h onto path inside the context's mount namespace, through
// the helper, as the root of the context's user namespace. The pin lives as
// long as that mount namespace; 'umount PATH' run in the context removes it.
func (c *Context) pinInside(h *Handle, path string) error {
	return c.Do(func() error {
		if c.via.ns[Mnt] == nil || c.via.ns[User] == nil {
			return &Error{Path: path, Err: errPinNoRoot}
		}
		if h.kind == Mnt && h.id == c.via.ns[Mnt].id {
			return &Error{Path: path, Err: errors.New("a mount namespace cannot be pinned inside itself (the kernel refuses the loop)")}
		}
		r := c.via.request("pin")
		r.fork = c.via.ns[PID] != nil
		r.pin, r.pinPath = h, path
		_, err := helperRun(r)
		if he, ok := err.(*helperError); ok {
			return &Error{Path: path, Err: fmt.Errorf("%s: %w", he.what, plain(he.errno))}
		}
		return err
	})
}
