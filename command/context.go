package command

import (
	"os/exec"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

// Context is what builtins use of the namespace context: the methods of
// *nsctx.Context they call, and nothing more, as CNI's ns.NetNS is what
// its plugins need of a network namespace. The shell passes the real one;
// tests of builtins' argument handling, messages and output pass an in-memory fake
// (internal/fakectx) and need no root. It is split by what a builtin does
// with it: every builtin may look (Viewer), the ones that Move change it
// (Mover), pin and unpin name its namespaces in files (Pinner).
type Context interface {
	Viewer
	Mover
	Pinner
}

var _ Context = (*nsctx.Context)(nil)

// Viewer is the context as builtins look at it and start programs in it.
type Viewer interface {
	// Status is where the context is: home and current namespace of
	// every kind, push stack depth, working directory.
	Status() (nsctx.Status, error)
	// Getwd is the context's working directory.
	Getwd() (string, error)
	// Files runs fn with the files as the context sees them (its mount
	// namespace, its working directory for relative paths).
	Files(fn func(fs nsctx.FS) error) error
	// FilesIn is Files in a background job's snapshot s; a nil s is Files.
	FilesIn(s *nsctx.Snapshot, fn func(fs nsctx.FS) error) error
	// Open opens a namespace file as the context sees it: a relative
	// path from its working directory, in its mount namespace.
	Open(path string) (*nsfs.Handle, error)
	// Do runs fn on the context's thread (in its namespaces), for work
	// nsinfo does there (an nsid lookup).
	Do(fn func() error) error
	// Umask sets the context's file mode creation mask and returns the
	// old one; a negative mask only reads it.
	Umask(mask int) (old int, err error)
	Starter
}

// Starter starts programs in the context: all a job needs of it.
type Starter interface {
	// SpawnIn starts cmd in the context s saved (a background job's), or
	// where the context is for a nil s, and returns its pid: the caller
	// reaps it (nsctx.Context.SpawnIn).
	SpawnIn(s *nsctx.Snapshot, cmd *exec.Cmd) (int, error)
}

// Mover is what the builtins that change the context (Moves) use.
type Mover interface {
	// Chdir changes the working directory, resolved in the context.
	Chdir(dir string) error
	// UnshareWith gives the context new namespaces of kinds, all or
	// none.
	UnshareWith(kinds []nsfs.Kind, o nsctx.UnshareOptions) error
	// Join enters the namespaces of the handles, all or none; the
	// handles stay the caller's.
	Join(hs ...*nsfs.Handle) error
	// JoinFile opens the namespace file at path in the context and joins
	// it; with want >= 0 a file of another kind is refused.
	JoinFile(path string, want nsfs.Kind) error
	// GoHome returns every kind to the namespaces nsh started in.
	GoHome() error
	// Push saves the context on its stack; Pop returns to the entry
	// saved last and drops it; Drop drops it without returning. Both
	// fail with nsctx.ErrEmptyStack when nothing was pushed.
	Push() error
	Pop() error
	Drop() error
	// Save snapshots the context, stack included; restore goes back to
	// it (setns TARGET CMD).
	Save() (restore func() error, err error)
	// SkipSysView(true) makes the next change of network namespace
	// leave /sys as it is (--no-sys); false undoes it.
	SkipSysView(skip bool)
}

// Pinner is what pin, pins and unpin use: namespaces of the context bound
// to files (nsfs mounts), which outlive the shell.
type Pinner interface {
	// Pin binds the context's namespace of kind k to path.
	Pin(k nsfs.Kind, path string) (nsctx.PinInfo, error)
	// PinAll pins every kind that differs from home as DIR/KIND, all or
	// none.
	PinAll(dir string) ([]nsctx.PinInfo, error)
	// PinNetns pins the context's network namespace as ip netns NAME.
	PinNetns(name string) (nsctx.PinInfo, error)
	// PinHandle and PinNetnsHandle are Pin and PinNetns of a namespace
	// that need not be the context's (pin -t: a process's, a
	// container's); the handle stays the caller's.
	PinHandle(h *nsfs.Handle, path string) (nsctx.PinInfo, error)
	PinNetnsHandle(h *nsfs.Handle, name string) (nsctx.PinInfo, error)
	// Pins lists the pins there are (not only the context's own).
	Pins() ([]nsctx.PinInfo, error)
	// Unpin removes the pin at path; a path that holds none is
	// nsctx.ErrNotPin.
	Unpin(path string) error
	// UnpinDir undoes PinAll(dir) and returns the pins it removed; none
	// is nsctx.ErrNotPin.
	UnpinDir(dir string) ([]string, error)
}
