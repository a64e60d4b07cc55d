package fakectx

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

// ErrNoPrograms is SpawnIn's answer: the fake's namespaces are not real,
// so no program can be started in them.
var ErrNoPrograms = errors.New("fakectx: a fake context starts no programs (its namespaces are not real)")

// ErrSnapshot is the answer to a background job's snapshot, which only a
// real context makes.
var ErrSnapshot = errors.New("fakectx: a fake context has no snapshots")

// firstIno is the inode of the first namespace the fake makes: above the
// 32-bit inodes nsfs gives, so no real namespace has it.
const firstIno = 1 << 32

// Change is one change of the context, as a test may want to check how a
// builtin asked for it.
type Change struct {
	Op      string // "unshare", "join", "home", "pop" or "restore"
	Kinds   []nsfs.Kind
	Options nsctx.UnshareOptions // unshare's
	NoSys   bool                 // made under SkipSysView(true)
}

type frame struct {
	cur [nsfs.NumKinds]nsfs.ID
	cwd string
}

type pin struct {
	info nsctx.PinInfo
	id   nsfs.ID
	file bool // the fake made the file (not for an ip netns name)
}

// Context is the fake. Its methods may be called from any goroutine.
type Context struct {
	root *os.File // "/", for RootFS

	mu      sync.Mutex
	home    [nsfs.NumKinds]nsfs.ID
	cur     [nsfs.NumKinds]nsfs.ID
	homeCwd string
	cwd     string
	stack   []frame
	umask   int
	pins    []pin
	next    uint64
	skipSys bool
	changes []Change
}

// New returns a fake context at home whose working directory is dir (an
// existing directory) and whose umask is 0022. Close it after use.
func New(dir string) (*Context, error) {
	dir, err := filepath.Abs(dir)
	if err == nil {
		dir, err = filepath.EvalSymlinks(dir)
	}
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("fakectx: %s is no directory", dir)
	}
	root, err := os.Open("/")
	if err != nil {
		return nil, err
	}
	c := &Context{root: root, homeCwd: dir, cwd: dir, umask: 0o022, next: firstIno}
	ids, _ := nsfs.ProcessIDs(os.Getpid())
	for _, k := range nsfs.Kinds() {
		if ids[k].IsZero() {
			ids[k] = c.newID() // unreadable: a made-up home
		}
	}
	c.home, c.cur = ids, ids
	return c, nil
}

// Close releases the fake's root directory. Its pin files stay (they are
// in the test's directories).
func (c *Context) Close() error { return c.root.Close() }

// Changes lists the changes made so far, oldest first.
func (c *Context) Changes() []Change {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.changes)
}

// newID is a namespace no real one is.
func (c *Context) newID() nsfs.ID {
	c.next++
	return nsfs.ID{Dev: c.home[nsfs.Net].Dev, Ino: c.next}
}

func (c *Context) note(ch Change) {
	ch.NoSys = c.skipSys
	c.changes = append(c.changes, ch)
}

// abs is path taken from the working directory when relative, not
// cleaned: FILE/. is no directory.
func (c *Context) abs(path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return c.cwd + "/" + path
}

// Status is where the fake is.
func (c *Context) Status() (nsctx.Status, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return nsctx.Status{Home: c.home, Cur: c.cur, Depth: len(c.stack), Cwd: c.cwd}, nil
}

// Getwd is the working directory.
func (c *Context) Getwd() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cwd, nil
}

// Files runs fn with the real files, relative paths from the fake's
// working directory.
func (c *Context) Files(fn func(fs nsctx.FS) error) error {
	c.mu.Lock()
	cwd := c.cwd
	c.mu.Unlock()
	return fn(nsctx.RootFS(c.root, cwd))
}

// FilesIn is Files for a nil s; the fake has no snapshots.
func (c *Context) FilesIn(s *nsctx.Snapshot, fn func(fs nsctx.FS) error) error {
	if s != nil {
		return ErrSnapshot
	}
	return c.Files(fn)
}

// Open opens a namespace file: a pin the fake made (a handle with no
// file), else the real file (/proc/PID/ns/KIND), relative paths from the
// working directory. Errors name path as given, as nsctx's do.
func (c *Context) Open(path string) (*nsfs.Handle, error) {
	c.mu.Lock()
	p := c.abs(path)
	i := c.pinAt(p)
	if i >= 0 {
		pn := c.pins[i]
		c.mu.Unlock()
		return nsfs.NewHandle(pn.info.Kind, pn.id), nil
	}
	c.mu.Unlock()
	h, err := nsfs.Open(p)
	if e := (*nsfs.Error)(nil); errors.As(err, &e) && e.Path == p {
		e.Path = path
	}
	return h, err
}

// Do runs fn, in the caller's own namespaces: the fake's are not real.
func (c *Context) Do(fn func() error) error { return fn() }

// Umask sets the mask and returns the old one; a negative mask reads it.
func (c *Context) Umask(mask int) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.umask
	if mask >= 0 {
		c.umask = mask & 0o777
	}
	return old, nil
}

// SpawnIn refuses: see ErrNoPrograms.
func (c *Context) SpawnIn(*nsctx.Snapshot, *exec.Cmd) (int, error) { return 0, ErrNoPrograms }

// Chdir changes the working directory to a real directory, as the kernel
// resolves it (symbolic links followed).
func (c *Context) Chdir(dir string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, err := filepath.EvalSymlinks(c.abs(dir))
	if err != nil {
		return pathError(dir, err)
	}
	st, err := os.Stat(p)
	if err != nil {
		return pathError(dir, err)
	}
	if !st.IsDir() {
		return pathError(dir, unix.ENOTDIR)
	}
	c.cwd = p
	return nil
}

// UnshareWith gives every kind (mnt too with MountProc) a new namespace.
func (c *Context) UnshareWith(kinds []nsfs.Kind, o nsctx.UnshareOptions) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o.MountProc && !slices.Contains(kinds, nsfs.Mnt) {
		kinds = append(slices.Clone(kinds), nsfs.Mnt)
	}
	for _, k := range kinds {
		c.cur[k] = c.newID()
	}
	c.note(Change{Op: "unshare", Kinds: kinds, Options: o})
	return nil
}

// Join enters the handles' namespaces.
func (c *Context) Join(hs ...*nsfs.Handle) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.join(hs...)
	return nil
}

func (c *Context) join(hs ...*nsfs.Handle) {
	var kinds []nsfs.Kind
	for _, h := range hs {
		c.cur[h.Kind()] = h.ID()
		kinds = append(kinds, h.Kind())
	}
	c.note(Change{Op: "join", Kinds: kinds})
}

// JoinFile opens path as Open does and joins it; with want >= 0 a file of
// another kind is refused, in nsctx's words.
func (c *Context) JoinFile(path string, want nsfs.Kind) error {
	h, err := c.Open(path)
	if err != nil {
		return err
	}
	defer h.Close()
	if want >= 0 && h.Kind() != want {
		return &nsfs.Error{Path: path, Err: fmt.Errorf("%w: it is a %s namespace, not %s", nsfs.ErrWrongKind, h.Kind(), want)}
	}
	return c.Join(h)
}

// GoHome goes home; when that changes the mount namespace, the working
// directory goes back to the first one, as nsctx does.
func (c *Context) GoHome() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur[nsfs.Mnt] != c.home[nsfs.Mnt] {
		c.cwd = c.homeCwd
	}
	c.cur = c.home
	c.note(Change{Op: "home"})
	return nil
}

// Push saves the namespaces and working directory on the stack.
func (c *Context) Push() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stack = append(c.stack, frame{c.cur, c.cwd})
	return nil
}

// Pop returns to the entry saved last and drops it.
func (c *Context) Pop() error { return c.pop(true) }

// Drop drops the entry saved last.
func (c *Context) Drop() error { return c.pop(false) }

func (c *Context) pop(back bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.stack) == 0 {
		return nsctx.ErrEmptyStack
	}
	f := c.stack[len(c.stack)-1]
	c.stack = c.stack[:len(c.stack)-1]
	if back {
		c.cur, c.cwd = f.cur, f.cwd
		c.note(Change{Op: "pop"})
	}
	return nil
}

// Save keeps namespaces, working directory, stack and umask; restore puts
// them back.
func (c *Context) Save() (func() error, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, stack, mask := frame{c.cur, c.cwd}, slices.Clone(c.stack), c.umask
	return func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.cur, c.cwd, c.stack, c.umask = f.cur, f.cwd, stack, mask
		c.note(Change{Op: "restore"})
		return nil
	}, nil
}

// SkipSysView marks the changes made until it is undone (Change.NoSys).
func (c *Context) SkipSysView(skip bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skipSys = skip
}

// pinAt is the index of the pin at the absolute path p, or -1.
func (c *Context) pinAt(p string) int {
	p = filepath.Clean(p)
	return slices.IndexFunc(c.pins, func(pn pin) bool { return pn.info.Path == p })
}

// Pin pins the namespace of kind k as path: an empty file made there
// (parent directories too), refused where nsctx refuses (a pin already,
// a directory, a file with data, the home mount namespace).
func (c *Context) Pin(k nsfs.Kind, path string) (nsctx.PinInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pin(k, c.cur[k], path)
}

// PinHandle pins the namespace h names (its kind and ID; the fake opens
// no file).
func (c *Context) PinHandle(h *nsfs.Handle, path string) (nsctx.PinInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pin(h.Kind(), h.ID(), path)
}

func (c *Context) pin(k nsfs.Kind, id nsfs.ID, path string) (nsctx.PinInfo, error) {
	if strings.HasSuffix(path, "/") {
		return nsctx.PinInfo{}, &nsfs.Error{Path: path, Err: errors.New("ends in '/': a pin is a file (pin DIR pins every kind)")}
	}
	p := filepath.Clean(c.abs(path))
	refuse := func(why string) (nsctx.PinInfo, error) {
		return nsctx.PinInfo{}, &nsfs.Error{Path: p, Err: errors.New(why)}
	}
	if k == nsfs.Mnt && id == c.home[k] {
		return refuse("the home mount namespace cannot be pinned inside itself (the kernel refuses the loop)")
	}
	if c.pinAt(p) >= 0 {
		return refuse("already a pin (unpin it first)")
	}
	switch st, err := os.Lstat(p); {
	case err == nil && st.IsDir():
		return refuse("is a directory (pin KIND PATH needs a file path; pin DIR pins every kind)")
	case err == nil && (!st.Mode().IsRegular() || st.Size() > 0):
		return refuse("exists and is not empty: pin onto a new path or an empty file")
	case err != nil:
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nsctx.PinInfo{}, pathError(p, err)
		}
		if err := os.WriteFile(p, nil, 0o444); err != nil {
			return nsctx.PinInfo{}, pathError(p, err)
		}
	}
	info := nsctx.PinInfo{Path: p, Kind: k, Ino: id.Ino}
	c.pins = append(c.pins, pin{info: info, id: id, file: true})
	return info, nil
}

// PinAll pins every kind that differs from home as DIR/KIND, all or none.
func (c *Context) PinAll(dir string) ([]nsctx.PinInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var done []nsctx.PinInfo
	for _, k := range nsfs.Kinds() {
		if c.cur[k] == c.home[k] {
			continue
		}
		p, err := c.pin(k, c.cur[k], filepath.Join(dir, k.String()))
		if err != nil {
			for _, d := range done {
				c.unpin(d.Path)
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

// PinNetns names the network namespace as ip netns NAME: remembered only,
// no file is made in /run/netns.
func (c *Context) PinNetns(name string) (nsctx.PinInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pinNetns(c.cur[nsfs.Net], name)
}

// PinNetnsHandle names the network namespace h as ip netns NAME.
func (c *Context) PinNetnsHandle(h *nsfs.Handle, name string) (nsctx.PinInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h.Kind() != nsfs.Net {
		return nsctx.PinInfo{}, fmt.Errorf("%w: a %s namespace, not net", nsfs.ErrWrongKind, h.Kind())
	}
	return c.pinNetns(h.ID(), name)
}

func (c *Context) pinNetns(id nsfs.ID, name string) (nsctx.PinInfo, error) {
	p, err := nsfs.NetnsPath(name)
	if err != nil {
		return nsctx.PinInfo{}, err
	}
	if c.pinAt(p) >= 0 {
		return nsctx.PinInfo{}, &nsfs.Error{Path: p, Err: fmt.Errorf("netns %q exists already (ip netns del %s, or unpin it)", name, name)}
	}
	info := nsctx.PinInfo{Path: p, Kind: nsfs.Net, Ino: id.Ino}
	c.pins = append(c.pins, pin{info: info, id: id})
	return info, nil
}

// Pins lists the fake's pins, oldest first (no others: the fake reads no
// mount table).
func (c *Context) Pins() ([]nsctx.PinInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []nsctx.PinInfo
	for _, pn := range c.pins {
		out = append(out, pn.info)
	}
	return out, nil
}

// Unpin removes the pin at path and its file.
func (c *Context) Unpin(path string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unpin(path)
}

func (c *Context) unpin(path string) error {
	p := filepath.Clean(c.abs(path))
	i := c.pinAt(p)
	if i < 0 {
		if _, err := os.Lstat(p); err != nil {
			return pathError(path, err)
		}
		return &nsfs.Error{Path: p, Err: nsctx.ErrNotPin}
	}
	if c.pins[i].file {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return pathError(p, err)
		}
	}
	c.pins = slices.Delete(c.pins, i, i+1)
	return nil
}

// UnpinDir unpins DIR/KIND for every kind pinned there and removes DIR if
// that leaves it empty.
func (c *Context) UnpinDir(dir string) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := filepath.Clean(c.abs(dir))
	var done []string
	for _, k := range nsfs.Kinds() {
		p := filepath.Join(d, k.String())
		if c.pinAt(p) < 0 {
			continue
		}
		if err := c.unpin(p); err != nil {
			return done, err
		}
		done = append(done, p)
	}
	if len(done) == 0 {
		return nil, &nsfs.Error{Path: d, Err: nsctx.ErrNotPin}
	}
	os.Remove(d) // only if empty, as nsctx leaves a directory with files
	return done, nil
}

// pathError says an errno as nsctx does: "PATH: file does not exist".
func pathError(path string, err error) error {
	var en unix.Errno
	if errors.As(err, &en) {
		switch en {
		case unix.ENOENT:
			err = fs.ErrNotExist
		case unix.EACCES:
			err = fs.ErrPermission
		case unix.EPERM:
			err = nsfs.ErrPermission
		default:
			err = errors.New(en.Error())
		}
	}
	return &nsfs.Error{Path: path, Err: err}
}
