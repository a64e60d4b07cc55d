package nsfs

import (
	"errors"
	"io/fs"

	"golang.org/x/sys/unix"
)

// Errors a caller may test for with errors.Is.
var (
	ErrNotNamespace = errors.New("not a namespace file")
	ErrWrongKind    = errors.New("wrong namespace kind")
	ErrPermission   = errors.New("permission denied (CAP_SYS_ADMIN is needed)")
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

// PathError is err on path, its errno in plain words (Plain).
func PathError(path string, err error) error {
	return &Error{Path: path, Err: Plain(err)}
}

// KindError is err on a kind of namespace, in plain words.
func KindError(k Kind, err error) error {
	return &Error{Kind: k.String(), Err: Plain(err)}
}

// Plain gives the common errnos plain words: EPERM is ErrPermission
// (which says what capability is missing), EACCES and ENOENT are fs's.
func Plain(err error) error {
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
