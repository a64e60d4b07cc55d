package lang

import (
	"sync"

	"github.com/nsh-dev/nsh/nsctx"
)

// ctxRef is the namespace context a shell runs its commands in.
//
// The shell itself, and a subshell that runs while its parent waits and
// nothing else runs (( ) and $( ) in the foreground), use the context
// directly; the subshell saves it first and restores it after, so its hops
// are undone. A subshell that runs alongside others cannot do that: a
// pipeline's stage shares the context with the stages beside it (share),
// and a background job runs while the shell goes on and moves it (snap:
// the context as the job started). Such a subshell starts programs and
// opens files where it was started, and gets a context of its own (a Fork,
// on a thread of its own) the first time it would move it or needs it
// for anything else: nothing it does ever moves its parent.
type ctxRef struct {
	base  *nsctx.Context
	share bool            // base is shared with subshells running beside this one
	snap  *nsctx.Snapshot // a background job's start; base moves on without it
	owner bool            // snap is this ref's to close

	mu  sync.Mutex
	own *nsctx.Context // forked: this subshell's alone, closed at its end
}

// current is the context as it is (for the prompt, $PWD, completion): the
// own one once forked, else base.
func (c *ctxRef) current() *nsctx.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.own != nil {
		return c.own
	}
	return c.base
}

// exclusive reports whether the shell may move its context directly:
// nothing runs beside it that shares it.
func (c *ctxRef) exclusive() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.own != nil || !c.share && c.snap == nil
}

// get is the context for a command that may move it or read where it
// is: a subshell running beside others gets its own copy first.
func (c *ctxRef) get(moves bool) (*nsctx.Context, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.own != nil:
		return c.own, nil
	case c.snap != nil:
		own, err := c.snap.Fork()
		if err != nil {
			return nil, err
		}
		c.own = own
		return own, nil
	case c.share && moves:
		own, err := c.base.Fork()
		if err != nil {
			return nil, err
		}
		c.own = own
		return own, nil
	}
	return c.base, nil
}

// snapshot is where programs start while nothing is forked: a background
// job's start; nil: where base is.
func (c *ctxRef) snapshot() *nsctx.Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.own != nil {
		return nil
	}
	return c.snap
}

// files runs fn with the files as the shell's context sees them.
func (c *ctxRef) files(fn func(fs nsctx.FS) error) error {
	c.mu.Lock()
	own, snap := c.own, c.snap
	c.mu.Unlock()
	if own != nil {
		return own.Files(fn)
	}
	return c.base.FilesIn(snap, fn)
}

// concurrent is the context of a subshell that runs beside others
// (a pipeline's stage): it shares this one until it would move it.
func (c *ctxRef) concurrent() *ctxRef {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.own != nil {
		return &ctxRef{base: c.own, share: true}
	}
	return &ctxRef{base: c.base, share: c.share || c.snap == nil, snap: c.snap}
}

// foreground is the context of a subshell that runs while this shell
// waits (( ), $( )): the same one, saved and restored by restore, when
// nothing shares it; otherwise one as concurrent's.
func (c *ctxRef) foreground() (sub *ctxRef, restore func() error, err error) {
	if !c.exclusive() {
		return c.concurrent(), func() error { return nil }, nil
	}
	cur := c.current()
	restore, err = cur.Save()
	if err != nil {
		return nil, nil, err
	}
	return &ctxRef{base: cur}, restore, nil
}

// background is the context of a job: where the shell is now, kept.
func (c *ctxRef) background() (*ctxRef, error) {
	cur, err := c.get(false)
	if err != nil {
		return nil, err
	}
	s, err := cur.Snapshot()
	if err != nil {
		return nil, err
	}
	return &ctxRef{base: cur, snap: s, owner: true}, nil
}

// close ends what the subshell made: its own context, its snapshot.
func (c *ctxRef) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.own != nil {
		c.own.Close()
		c.own = nil
	}
	if c.owner {
		c.snap.Close()
	}
	c.snap = nil
}
