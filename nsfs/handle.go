package nsfs

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ID identifies a namespace: the device and inode of its nsfs file. Two
// handles are the same namespace exactly when their IDs are equal.
type ID struct{ Dev, Ino uint64 }

// IsZero reports whether the ID is unset.
func (id ID) IsZero() bool { return id == ID{} }

// Handle is an open namespace file. Its fd is always O_CLOEXEC so it can
// never leak into a spawned program and let it escape its context.
type Handle struct {
	fd   int
	kind Kind
	id   ID
}

// Open opens a namespace file (a pin, /proc/PID/ns/KIND, ...) and finds its
// kind with the NS_GET_NSTYPE ioctl. A file that is not a namespace is an
// error naming the file.
func Open(path string) (*Handle, error) { return openAt(unix.AT_FDCWD, path, path) }

// openAt opens name relative to the directory fd dir; path names it in
// errors.
func openAt(dir int, name, path string) (*Handle, error) {
	fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, PathError(path, err)
	}
	h, err := FromFd(fd, path)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return h, nil
}

// FromFd makes a handle of an open namespace file, which it then owns;
// path names it in errors.
func FromFd(fd int, path string) (*Handle, error) {
	t, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	if err != nil {
		if errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL) {
			return nil, &Error{Path: path, Err: ErrNotNamespace}
		}
		return nil, PathError(path, err)
	}
	k, ok := kindOfFlag(t)
	if !ok {
		return nil, &Error{Path: path, Err: fmt.Errorf("unknown namespace type %#x", t)}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, PathError(path, err)
	}
	return &Handle{fd: fd, kind: k, id: ID{st.Dev, st.Ino}}, nil
}

// StatID returns the ID of the namespace at path without opening it.
func StatID(path string) (ID, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return ID{}, err
	}
	return ID{st.Dev, st.Ino}, nil
}

// Kind is the handle's namespace kind.
func (h *Handle) Kind() Kind { return h.kind }

// ID is the handle's namespace identity.
func (h *Handle) ID() ID { return h.id }

// Ino is the namespace inode, the number tools print (net:[4026531840]).
func (h *Handle) Ino() uint64 { return h.id.Ino }

// Fd is the open file descriptor; it stays owned by the handle.
func (h *Handle) Fd() int { return h.fd }

// Equal reports whether both handles refer to the same namespace.
func (h *Handle) Equal(o *Handle) bool { return h != nil && o != nil && h.id == o.id }

// String formats the handle as readlink(/proc/PID/ns/KIND) does.
func (h *Handle) String() string { return fmt.Sprintf("%s:[%d]", h.kind, h.id.Ino) }

// Close releases the file descriptor.
func (h *Handle) Close() error {
	if h == nil || h.fd < 0 {
		return nil
	}
	err := unix.Close(h.fd)
	h.fd = -1
	return err
}

// Dup returns an independent handle to the same namespace.
func (h *Handle) Dup() (*Handle, error) {
	fd, err := unix.FcntlInt(uintptr(h.fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &Handle{fd: fd, kind: h.kind, id: h.id}, nil
}

// NewHandle is a handle to the namespace id of kind k that holds no file
// (Fd is -1): a namespace known by its identity alone, for a context that
// is not a real one (a test's fake). A real Context cannot join it.
func NewHandle(k Kind, id ID) *Handle { return &Handle{fd: -1, kind: k, id: id} }

// OpenProcess opens the namespace of one kind of a process (pid > 0) or of
// the calling thread (pid 0).
func OpenProcess(pid int, k Kind) (*Handle, error) {
	if pid == 0 {
		return OpenSelf(k.ProcName())
	}
	return Open(procPath(pid, k.ProcName()))
}

// hostProc is nsh's /proc as it was at start. The calling thread's own
// files are reached through it: after 'unshare pid --mount-proc' the
// context's /proc is that of a pid namespace nsh is not in, where
// /proc/thread-self does not exist.
var hostProc = func() int {
	fd, err := unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}()

// HostProc is an O_PATH fd of nsh's /proc as it was at start (-1 if it
// could not be opened), for the calling thread's own files.
func HostProc() int { return hostProc }

// OpenSelf opens the calling thread's namespace file NAME.
func OpenSelf(name string) (*Handle, error) {
	path := procPath(0, name)
	if hostProc < 0 {
		return Open(path)
	}
	return openAt(hostProc, path[len("/proc/"):], path)
}

// SelfID is the ID of the calling thread's namespace file NAME.
func SelfID(name string) (ID, error) {
	path := procPath(0, name)
	if hostProc < 0 {
		return StatID(path)
	}
	var st unix.Stat_t
	if err := unix.Fstatat(hostProc, path[len("/proc/"):], &st, 0); err != nil {
		return ID{}, err
	}
	return ID{st.Dev, st.Ino}, nil
}

// procPath is a process's namespace file NAME (pid 0: the calling thread's).
func procPath(pid int, name string) string {
	if pid == 0 {
		return "/proc/thread-self/ns/" + name
	}
	return fmt.Sprintf("/proc/%d/ns/%s", pid, name)
}

// ProcessIDs returns the namespace IDs of process pid for every kind (its
// own pid and time namespaces, not those for its children). A kind whose
// file cannot be read has a zero ID and the first such error is returned
// alongside.
func ProcessIDs(pid int) ([NumKinds]ID, error) {
	var ids [NumKinds]ID
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		return ids, fmt.Errorf("no process %d", pid)
	}
	var first error
	for _, k := range Kinds() {
		p := procPath(pid, k.String())
		id, err := StatID(p)
		if err != nil {
			if first == nil {
				first = PathError(p, err)
			}
			continue
		}
		ids[k] = id
	}
	return ids, first
}
