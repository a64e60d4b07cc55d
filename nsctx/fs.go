package nsctx

import (
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// FS reaches files from a directory: the calling thread's root and working
// directory (HereFS), or a mount namespace's root (Context.Files).
type FS struct {
	dir int    // AT_FDCWD, or the root directory
	cwd string // for relative paths, under dir
}

// HereFS is the calling thread's own view.
var HereFS = FS{dir: unix.AT_FDCWD}

// RootFS reaches files under the directory root, relative paths from cwd
// (a path under root), as Context.Files does in a mount namespace the
// thread is not in. root stays the caller's, open while the FS is used. It
// is for other implementations of the context (a test's fake).
func RootFS(root *os.File, cwd string) FS { return FS{dir: int(root.Fd()), cwd: cwd} }

// open opens path, again after EINTR (a FIFO's open blocks, and Go's
// preemption signals interrupt it), and after EAGAIN from openat2 (a
// rename raced with the lookup).
func (fs FS) open(path string, flags int, perm uint32) (int, error) {
	flags |= unix.O_CLOEXEC
	try := func() (int, error) { return unix.Open(path, flags, perm) }
	if fs.dir != unix.AT_FDCWD {
		if !filepath.IsAbs(path) {
			path = filepath.Join(fs.cwd, path)
		}
		rel := strings.TrimPrefix(filepath.Clean(path), "/")
		if rel == "" {
			rel = "."
		}
		how := &unix.OpenHow{Flags: uint64(flags), Resolve: unix.RESOLVE_IN_ROOT}
		if flags&(unix.O_CREAT|unix.O_TMPFILE) != 0 {
			how.Mode = uint64(perm) // openat2 refuses a mode otherwise
		}
		try = func() (int, error) { return unix.Openat2(fs.dir, rel, how) }
	}
	for {
		fd, err := try()
		if err != unix.EINTR && err != unix.EAGAIN {
			return fd, err
		}
	}
}

// Open opens path as os.OpenFile does.
func (fs FS) Open(path string, flags int, perm os.FileMode) (*os.File, error) {
	fd, err := fs.open(path, flags, uint32(perm.Perm()))
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// Stat is stat(2) of path (lstat(2) unless follow), as this FS sees it.
func (fs FS) Stat(path string, follow bool) (unix.Stat_t, error) { return fs.stat(path, follow) }

// Access is faccessat(2) of path with the effective ids (test -r, -w,
// -x): mode is unix.R_OK, W_OK, X_OK or F_OK. It checks the file it
// opened (O_PATH), so a path resolved under another root stays there.
func (fs FS) Access(path string, mode uint32) error {
	if path == "" {
		return unix.ENOENT
	}
	fd, err := fs.open(path, unix.O_PATH, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Faccessat(fd, "", mode, unix.AT_EACCESS|unix.AT_EMPTY_PATH)
}

func (fs FS) stat(path string, follow bool) (unix.Stat_t, error) {
	var st unix.Stat_t
	if path == "" {
		// Under a root, "" would be its working directory.
		return st, unix.ENOENT
	}
	if fs.dir == unix.AT_FDCWD {
		flags := 0
		if !follow {
			flags = unix.AT_SYMLINK_NOFOLLOW
		}
		return st, unix.Fstatat(unix.AT_FDCWD, path, &st, flags)
	}
	flags := unix.O_PATH
	if !follow {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := fs.open(path, flags, 0)
	if err != nil {
		return st, err
	}
	defer unix.Close(fd)
	return st, unix.Fstat(fd, &st)
}

// IsDir reports whether path is a directory (or a link to one).
func (fs FS) IsDir(path string) bool {
	st, err := fs.stat(path, true)
	return err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR
}

// Exists reports whether path exists (a dangling link does).
func (fs FS) Exists(path string) bool {
	_, err := fs.stat(path, false)
	return err == nil
}

// Names lists a directory, unsorted.
func (fs FS) Names(dir string) ([]string, error) {
	f, err := fs.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// ReadDir lists a directory with the entries' types, unsorted.
func (fs FS) ReadDir(dir string) ([]os.DirEntry, error) {
	f, err := fs.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}
