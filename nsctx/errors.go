package nsctx

import (
	"errors"
	"fmt"
	"io/fs"

	"golang.org/x/sys/unix"
)

// Errors a caller may test for with errors.Is.
var (
	ErrNotNamespace = errors.New("not a namespace file")
	ErrWrongKind    = errors.New("wrong namespace kind")
	ErrUnsupported  = errors.New("not supported yet")
	ErrPermission   = errors.New("permission denied (CAP_SYS_ADMIN is needed)")
	ErrPIDNoInit    = errors.New("the context's pid namespace has no init any more (its first process exited); run 'home' or 'unshare pid'")
	ErrClosed       = errors.New("namespace context is closed")
)

// Error is a failure tied to a file or a namespace kind. Its text is one
// line: "PATH: cause" or "KIND: cause".
type Error struct {
	Path string
	Kind string
	Err  error
}

func (e *Error) Error() string {
	switch {
	case e.Path != "":
		return e.Path + ": " + e.Err.Error()
	case e.Kind != "":
		return e.Kind + ": " + e.Err.Error()
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// withHint adds, for a caller without root, what would work instead.
func withHint(err error) error {
	if errors.Is(err, ErrPermission) && unix.Geteuid() != 0 {
		return fmt.Errorf("%w; %s", err, rootHint)
	}
	return err
}

const rootHint = "without root, run 'unshare user --map-root' first"

// addHint adds hint to a permission error of a caller without root: what
// would work instead, decided where the whole change is known.
func addHint(err error, hint string) error {
	var e *Error
	if hint == "" || unix.Geteuid() == 0 || !errors.Is(err, ErrPermission) || !errors.As(err, &e) {
		return err
	}
	e.Err = fmt.Errorf("%w; %s", e.Err, hint)
	return err
}

// pathError gives the common errnos plain words.
func pathError(path string, err error) error {
	return &Error{Path: path, Err: plain(err)}
}

func kindError(k Kind, err error) error {
	return &Error{Kind: k.String(), Err: plain(err)}
}

func plain(err error) error {
	switch {
	case errors.Is(err, unix.EPERM):
		return ErrPermission
	case errors.Is(err, unix.EACCES):
		return fs.ErrPermission
	case errors.Is(err, unix.ENOENT):
		return fs.ErrNotExist
	}
	var en unix.Errno
	if errors.As(err, &en) {
		return errors.New(en.Error())
	}
	return err
}
