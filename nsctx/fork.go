package nsctx

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Fork returns a new context, on a thread of its own, that starts where c
// is now: the same namespaces, working directory and push stack. A subshell
// that runs alongside the shell (a pipeline's stage, a background job)
// hops in its own copy and never moves the shell's. Close it when the
// subshell ends.
func (c *Context) Fork() (*Context, error) {
	f, stack, mask, h, err := c.saveAll()
	if err != nil {
		return nil, err
	}
	n, err := forkAt(f, stack, mask)
	if err != nil {
		h.gone.Store(true)
		return nil, err
	}
	// The fork starts programs in c's pid namespaces: their inits stay
	// while it lives.
	n.parentHold = h
	return n, nil
}

// Fork is Context.Fork where the snapshot was taken (without its push
// stack, which a snapshot does not keep).
func (s *Snapshot) Fork() (*Context, error) {
	f, err := s.f.dup()
	if err != nil {
		return nil, err
	}
	return forkAt(f, nil, s.umask)
}

// forkAt starts a context and moves it to f, with umask mask; it takes f
// and stack.
func forkAt(f *frame, stack []*frame, mask int) (*Context, error) {
	defer f.close()
	n, err := New()
	if err != nil {
		closeFrames(stack)
		return nil, err
	}
	err = n.Do(func() error {
		n.stack = stack
		unix.Umask(mask)
		return n.restore(f, false)
	})
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("copying the context: %w", err)
	}
	return n, nil
}

func dupFrames(fs []*frame) ([]*frame, error) {
	var out []*frame
	for _, s := range fs {
		d, err := s.dup()
		if err != nil {
			closeFrames(out)
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// FilesIn is Files in the context s saved: in one step on the thread, the
// context goes there, fn runs and the context comes back. A nil s is
// Files.
func (c *Context) FilesIn(s *Snapshot, fn func(fs FS) error) error {
	if s == nil {
		return c.Files(fn)
	}
	var ferr error
	err := c.doLong(func() error {
		back, err := c.save()
		if err != nil {
			return err
		}
		defer back.close()
		if err := c.restore(s.f, false); err != nil {
			return err
		}
		mask := unix.Umask(s.umask)
		ferr = c.Files(fn)
		unix.Umask(mask)
		if rerr := c.restore(back, false); rerr != nil {
			return fmt.Errorf("going back after a job's file work: %w", rerr)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return ferr
}
