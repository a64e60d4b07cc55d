package nsctx

import (
	"errors"
	"fmt"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// Errors a caller may test for with errors.Is (and nsfs's: ErrNotNamespace,
// ErrWrongKind, ErrPermission).
var (
	ErrUnsupported = errors.New("not supported yet")
	ErrPIDNoInit   = errors.New("the context's pid namespace has no init any more (its first process exited); run 'home' or 'unshare pid'")
	ErrClosed      = errors.New("namespace context is closed")
)

// withHint adds, for a caller without root, what would work instead.
func withHint(err error) error {
	if errors.Is(err, nsfs.ErrPermission) && unix.Geteuid() != 0 {
		return fmt.Errorf("%w; %s", err, rootHint)
	}
	return err
}

const rootHint = "without root, run 'unshare user --map-root' first"

// addHint adds hint to a permission error of a caller without root: what
// would work instead, decided where the whole change is known.
func addHint(err error, hint string) error {
	var e *nsfs.Error
	if hint == "" || unix.Geteuid() == 0 || !errors.Is(err, nsfs.ErrPermission) || !errors.As(err, &e) {
		return err
	}
	e.Err = fmt.Errorf("%w; %s", e.Err, hint)
	return err
}
