// Package walk resolves a path for root in directories other users can
// write, without being talked into another file on the way: from "/",
// component by component, holding an O_PATH fd of each directory, and
// following a symbolic link only where no one but root and the user running
// nsh could have made or changed it. The caller then acts on the last
// component relative to the fd it gets (openat, mkdirat, unlinkat, mount by
// fd), never on the path again.
package walk

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// maxLinks is the kernel's limit of links in one lookup.
const maxLinks = 40

// Dir is the directory that holds the last component of a path.
type Dir struct {
	Fd   int    // O_PATH fd of the directory
	Name string // the last component, never followed
	// Open is the first directory on the way (the last one included)
	// that someone other than root and the user could change, and Why
	// says how; "" when there is none.
	Open, Why string
}

// Close closes the directory's fd.
func (d *Dir) Close() { unix.Close(d.Fd) }

// LinkError is a symbolic link the walk would not follow.
type LinkError struct {
	Link string // the link, as the walk reached it
	Why  string // who could have made or changed it
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("symbolic link %s is not followed: %s (nsh follows a link only if root or the user running nsh owns it and its directory, and no one else can write that directory)", e.Link, e.Why)
}

// Parent walks to the directory holding the last component of path, an
// absolute path, cleaned first (lexically, so "a/../b" is "b"). A link is
// followed when it and the directory holding it are owned by root or the
// user (the effective uid), and that directory is not writable by group or
// others, unless sticky: no one else could have put the link there or
// changed it (this keeps /var/run -> /run working). Any other link is a
// *LinkError. With mkdir, missing directories are made (mode 0755, less
// the umask), as mkdir -p does. Other failures are *os.PathError naming
// the component.
func Parent(path string, mkdir bool) (*Dir, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("%s: not an absolute path", path)
	}
	rest := split(filepath.Clean(path))
	if len(rest) == 0 {
		return nil, &os.PathError{Op: "walk", Path: "/", Err: unix.EISDIR}
	}
	w := &walker{d: &Dir{Name: rest[len(rest)-1]}}
	if err := w.root(); err != nil {
		return nil, err
	}
	rest = rest[:len(rest)-1]
	links := 0
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		next, st, err := w.open(name, mkdir)
		if err != nil {
			w.close()
			return nil, err
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			err = w.enter(next, filepath.Join(w.at, name))
		case unix.S_IFLNK:
			links++
			var target string
			if target, err = w.link(next, name, st); err == nil && links > maxLinks {
				err = &os.PathError{Op: "walk", Path: filepath.Join(w.at, name), Err: unix.ELOOP}
			}
			if err == nil && filepath.IsAbs(target) {
				err = w.root()
			}
			rest = append(split(target), rest...)
		default:
			unix.Close(next)
			err = &os.PathError{Op: "walk", Path: filepath.Join(w.at, name), Err: unix.ENOTDIR}
		}
		if err != nil {
			w.close()
			return nil, err
		}
	}
	w.d.Fd = w.fd
	return w.d, nil
}

type walker struct {
	d   *Dir
	fd  int    // the directory the walk is in
	at  string // its path as walked, for messages
	why string // who else could change it, "" for no one
}

func (w *walker) root() error {
	fd, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: "/", Err: err}
	}
	return w.enter(fd, "/")
}

// enter makes fd, a directory, the one the walk is in, and closes the one
// it was in.
func (w *walker) enter(fd int, at string) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return &os.PathError{Op: "stat", Path: at, Err: err}
	}
	if w.at != "" {
		w.close()
	}
	w.fd, w.at, w.why = fd, at, Untrusted(&st)
	if w.why != "" && w.d.Open == "" {
		w.d.Open, w.d.Why = at, w.why
	}
	return nil
}

func (w *walker) close() { unix.Close(w.fd) }

// open opens name in the walk's directory without following it, making a
// directory of that name first if it is missing and mkdir is set.
func (w *walker) open(name string, mkdir bool) (int, *unix.Stat_t, error) {
	const flags = unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC
	fd, err := unix.Openat(w.fd, name, flags, 0)
	if errors.Is(err, unix.ENOENT) && mkdir {
		// Made by another at the same moment: open what is there.
		if err = unix.Mkdirat(w.fd, name, 0o755); err == nil || errors.Is(err, unix.EEXIST) {
			fd, err = unix.Openat(w.fd, name, flags, 0)
		}
	}
	if err != nil {
		return -1, nil, &os.PathError{Op: "open", Path: filepath.Join(w.at, name), Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, nil, &os.PathError{Op: "stat", Path: filepath.Join(w.at, name), Err: err}
	}
	return fd, &st, nil
}

// link reads the link fd (named name in the walk's directory, st its
// stat) and closes it, if it is one the walk may follow.
func (w *walker) link(fd int, name string, st *unix.Stat_t) (string, error) {
	defer unix.Close(fd)
	path := filepath.Join(w.at, name)
	switch {
	case !ownTrusted(st.Uid):
		return "", &LinkError{Link: path, Why: fmt.Sprintf("it is owned by uid %d", st.Uid)}
	case w.why != "":
		return "", &LinkError{Link: path, Why: "directory " + w.at + " is " + w.why}
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(fd, "", buf)
	if err == nil && n == len(buf) {
		err = unix.ENAMETOOLONG
	}
	if err != nil {
		return "", &os.PathError{Op: "readlink", Path: path, Err: err}
	}
	return string(buf[:n]), nil
}

// Untrusted says who other than root and the user running nsh could change
// the file or directory st describes (replace what a directory holds), or
// "" for no one: it is owned by one of them and not writable by group or
// others, unless it is a sticky directory (others may add entries there,
// but not replace those of root or the user).
func Untrusted(st *unix.Stat_t) string {
	if !ownTrusted(st.Uid) {
		return fmt.Sprintf("owned by uid %d", st.Uid)
	}
	if st.Mode&0o022 == 0 || st.Mode&unix.S_IFMT == unix.S_IFDIR && st.Mode&unix.S_ISVTX != 0 {
		return ""
	}
	if st.Mode&0o002 != 0 {
		return fmt.Sprintf("writable by others (mode %o)", st.Mode&0o7777)
	}
	return fmt.Sprintf("writable by its group (mode %o)", st.Mode&0o7777)
}

func ownTrusted(uid uint32) bool { return uid == 0 || int(uid) == os.Geteuid() }

// split is path's components, without empty ones and ".".
func split(path string) []string {
	var parts []string
	for _, p := range strings.Split(path, "/") {
		if p != "" && p != "." {
			parts = append(parts, p)
		}
	}
	return parts
}
