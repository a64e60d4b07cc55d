package nsctx

import "golang.org/x/sys/unix"

// Umask sets the context's file mode creation mask to mask and returns
// the one it had; a negative mask only reads it. The mask is the context
// thread's own, not the process's: the thread unshared its fs_struct
// (CLONE_FS, for setns into mount namespaces), which holds the mask. So
// programs started in the context and the files nsh creates for it get
// it, and nsh's other threads keep theirs. A Fork starts with the mask
// of its parent, a Snapshot keeps the one it was taken with.
func (c *Context) Umask(mask int) (old int, err error) {
	do := c.Do
	if mask < 0 {
		do = c.view
	}
	err = do(func() error { old = threadUmask(mask); return nil })
	return old, err
}

// threadUmask is Umask on the thread.
func threadUmask(mask int) int {
	if mask < 0 {
		old := unix.Umask(0)
		unix.Umask(old)
		return old
	}
	return unix.Umask(mask)
}
