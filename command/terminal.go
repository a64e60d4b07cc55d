package command

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// IsTerminal reports whether x is an *os.File open on a terminal. It asks
// through SyscallConn, not Fd, which would put a non-blocking file (a
// pipe nsh made) into blocking mode for good.
func IsTerminal(x any) bool {
	return control(x, func(fd int) error {
		_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		return err
	}) == nil
}

// Winsize is the size of the terminal x is open on; unix.ENOTTY when x is
// a file but not a terminal.
func Winsize(x any) (*unix.Winsize, error) {
	var ws *unix.Winsize
	err := control(x, func(fd int) (err error) {
		ws, err = unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
		return err
	})
	return ws, err
}

var errNotFile = errors.New("not an open file")

func control(x any, fn func(fd int) error) error {
	f, ok := x.(*os.File)
	if !ok || f == nil {
		return errNotFile
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}
