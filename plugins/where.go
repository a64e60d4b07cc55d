package plugins

import (
	"os"
	"strconv"
	"sync"

	"github.com/nsh-dev/nsh/nsctx"
	"golang.org/x/sys/unix"
)

// where finds out which context the shell is in, for the pool key and the
// call's working directory, without a round trip to the context thread:
// ctx.Do costs about 50 us here, a fifth of a warm call. The context
// thread's namespaces and cwd are read from /proc/self/task/TID, which
// shows them as the thread has them (namespaces and, after CLONE_FS, the
// cwd are per thread). The TID is learnt once through Do and again when
// that thread is gone (nsctx replaces its thread to leave a time
// namespace); should /proc not answer, ctx.Status does.
type where struct {
	mu  sync.Mutex
	tid int
}

// nsFile is the /proc/.../ns entry nsctx's Status reports for each kind:
// pid and time apply to children.
func nsFile(k nsctx.Kind) string {
	switch k {
	case nsctx.PID, nsctx.Time:
		return k.String() + "_for_children"
	}
	return k.String()
}

// key returns p's pool key in the current context, and the context's cwd.
func (h *Host) key(p *Plugin) (poolKey, string, error) {
	for range 2 {
		tid, err := h.where.thread(h.ctx)
		if err != nil {
			break
		}
		if k, cwd, ok := readTask(tid, p.Path); ok {
			return k, cwd, nil
		}
		h.where.forget(tid)
	}
	st, err := h.ctx.Status()
	if err != nil {
		return poolKey{}, "", err
	}
	return poolKey{p.Path, st.Cur}, st.Cwd, nil
}

func (w *where) thread(ctx *nsctx.Context) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.tid == 0 {
		if err := ctx.Do(func() error { w.tid = unix.Gettid(); return nil }); err != nil {
			return 0, err
		}
	}
	return w.tid, nil
}

func (w *where) forget(tid int) {
	w.mu.Lock()
	if w.tid == tid {
		w.tid = 0
	}
	w.mu.Unlock()
}

func readTask(tid int, path string) (poolKey, string, bool) {
	base := "/proc/self/task/" + strconv.Itoa(tid) + "/"
	cwd, err := os.Readlink(base + "cwd")
	if err != nil {
		return poolKey{}, "", false // the thread is gone
	}
	k := poolKey{path: path}
	for _, kind := range nsctx.Kinds() {
		var st unix.Stat_t
		err := unix.Stat(base+"ns/"+nsFile(kind), &st)
		switch {
		case err == nil:
			k.ns[kind] = nsctx.ID{Dev: st.Dev, Ino: st.Ino}
		case err == unix.ENOENT && (kind == nsctx.PID || kind == nsctx.Time):
			// a new pid namespace with no process yet: zero, as Status says
		default:
			return poolKey{}, "", false
		}
	}
	return k, cwd, true
}
