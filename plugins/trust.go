package plugins

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// maxLinks bounds the symbolic links on the way to a plugin, as the
// kernel's own limit does.
const maxLinks = 40

// openPlugin opens the plugin file at path once, for running it, and
// refuses it if someone other than its owner and root could change what
// the path names: nsh runs as root, so whoever could would run code as
// root. It returns an O_PATH descriptor of the file, to be executed itself
// (see procRunner.Start), and the file's stat: what was checked is what
// runs, whatever happens to the path meanwhile.
//
// The path is walked from / one name at a time, each looked up with
// openat(O_PATH|O_NOFOLLOW) in the directory descriptor already checked,
// so no name is resolved twice. Every directory on the way must be owned by
// root or by the user running nsh and not writable by group or others,
// unless it has the sticky bit (/tmp: others cannot rename entries they do
// not own). A symbolic link is followed only if it lies in such a directory
// (checked before the link is read) and is owned by root or that user
// (in a sticky directory anyone can make links); an absolute target starts
// again at /. The file must be a regular, executable file that passes the
// same owner and mode rules.
func openPlugin(path string) (*os.File, *unix.Stat_t, error) {
	if !filepath.IsAbs(path) {
		wd, err := os.Getwd()
		if err != nil {
			return nil, nil, err
		}
		path = wd + "/" + path // not cleaned: "link/.." is for the walk to resolve
	}
	w := &walk{dir: -1}
	defer w.close()
	if err := w.enter(unix.AT_FDCWD, "/", "/"); err != nil {
		return nil, nil, err
	}
	todo := names(path)
	for links := 0; len(todo) > 0; {
		name := todo[0]
		todo = todo[1:]
		here := filepath.Join(w.path, name)
		fd, err := unix.Openat(w.dir, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, nil, &fs.PathError{Op: "open", Path: here, Err: err}
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			unix.Close(fd)
			return nil, nil, &fs.PathError{Op: "stat", Path: here, Err: err}
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			w.close()
			w.dir, w.path = fd, here
			if err := trusted(here, &st, "directory "+here); err != nil {
				return nil, nil, err
			}
		case unix.S_IFLNK:
			target, err := readLink(fd, here, &st)
			unix.Close(fd)
			if err != nil {
				return nil, nil, err
			}
			if links++; links > maxLinks {
				return nil, nil, &fs.PathError{Op: "open", Path: path, Err: unix.ELOOP}
			}
			if filepath.IsAbs(target) {
				if err := w.enter(unix.AT_FDCWD, "/", "/"); err != nil {
					return nil, nil, err
				}
			}
			todo = append(names(target), todo...)
		default:
			if len(todo) > 0 {
				unix.Close(fd)
				return nil, nil, &fs.PathError{Op: "open", Path: here, Err: unix.ENOTDIR}
			}
			f := os.NewFile(uintptr(fd), here)
			if err := checkFile(here, &st); err != nil {
				f.Close()
				return nil, nil, err
			}
			return f, &st, nil
		}
	}
	return nil, nil, fmt.Errorf("%s is not a regular file", w.path)
}

// walk is where openPlugin is: a checked directory and its path.
type walk struct {
	dir  int
	path string
}

func (w *walk) close() {
	if w.dir >= 0 {
		unix.Close(w.dir)
		w.dir = -1
	}
}

// enter makes the directory name (relative to at) the current one, if it
// passes the check.
func (w *walk) enter(at int, name, path string) error {
	fd, err := unix.Openat(at, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: err}
	}
	w.close()
	w.dir, w.path = fd, path
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	return trusted(path, &st, "directory "+path)
}

// names splits a path into the names to look up, without empty ones and
// ".": "/a//b/./c" is a, b, c. A path ending in / or /. ends in ".", so
// that it names a directory ("file/" is no file).
func names(path string) []string {
	var out []string
	for _, n := range strings.Split(path, "/") {
		if n != "" && n != "." {
			out = append(out, n)
		}
	}
	if strings.HasSuffix(path, "/") || strings.HasSuffix(path, "/.") || path == "." {
		out = append(out, ".")
	}
	return out
}

// readLink reads the link fd (an O_PATH descriptor of it) if its owner may
// be trusted: in a sticky directory anyone can make one. The directory
// holding it has been checked already.
func readLink(fd int, path string, st *unix.Stat_t) (string, error) {
	if err := trusted(path, st, "link "+path); err != nil {
		return "", err
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(fd, "", buf)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: path, Err: err}
	}
	if n == len(buf) {
		return "", &fs.PathError{Op: "readlink", Path: path, Err: unix.ENAMETOOLONG}
	}
	if n == 0 {
		return "", &fs.PathError{Op: "readlink", Path: path, Err: unix.ENOENT}
	}
	return string(buf[:n]), nil
}

func checkFile(path string, st *unix.Stat_t) error {
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if st.Mode&0o111 == 0 {
		return fmt.Errorf("%s is not executable", path)
	}
	return trusted(path, st, "it")
}

// trusted checks the owner of a file, directory or link, and the mode of a
// file or directory (a link's mode means nothing).
func trusted(path string, st *unix.Stat_t, what string) error {
	if uid := int(st.Uid); uid != 0 && uid != os.Geteuid() {
		return fmt.Errorf("%s is owned by uid %d, not root or the user running nsh; "+
			"whoever owns it could run code as that user", what, uid)
	}
	typ := st.Mode & unix.S_IFMT
	if typ == unix.S_IFLNK || st.Mode&0o022 == 0 || typ == unix.S_IFDIR && st.Mode&unix.S_ISVTX != 0 {
		return nil
	}
	who := "others"
	if st.Mode&0o002 == 0 {
		who = "its group"
	}
	return fmt.Errorf("%s is writable by %s (mode %s), so they could change what nsh runs as root; fix with: chmod go-w %s",
		what, who, fileMode(st), path)
}

// fileMode is st's mode as ls shows it.
func fileMode(st *unix.Stat_t) fs.FileMode {
	m := fs.FileMode(st.Mode & 0o777)
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		m |= fs.ModeDir
	}
	for bit, mode := range map[uint32]fs.FileMode{unix.S_ISVTX: fs.ModeSticky, unix.S_ISUID: fs.ModeSetuid, unix.S_ISGID: fs.ModeSetgid} {
		if st.Mode&bit != 0 {
			m |= mode
		}
	}
	return m
}

// stampOf is what the describe cache keys a plugin file by, besides its
// path: size and modification time, from the descriptor that was checked.
func stampOf(st *unix.Stat_t) (size, mtime int64) {
	return st.Size, st.Mtim.Nano()
}

// checkedStamp opens path as openPlugin does and returns its stamp.
func checkedStamp(path string) (size, mtime int64, err error) {
	f, st, err := openPlugin(path)
	if err != nil {
		return 0, 0, err
	}
	f.Close()
	size, mtime = stampOf(st)
	return size, mtime, nil
}
