package plugins

import (
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsctx"
)

// The key read from /proc must be the one Status gives, also after hops
// and for a pid namespace without a process yet.
func TestKeyMatchesStatus(t *testing.T) {
	h := newTestHost(t, t.TempDir())
	p := &Plugin{Path: "/x"}
	check := func(what string) {
		t.Helper()
		k, cwd, err := h.key(p)
		st, _ := h.ctx.Status()
		if err != nil || k.ns != st.Cur || cwd != st.Cwd {
			t.Errorf("%s: key %v cwd %q (%v), Status %v %q", what, k.ns, cwd, err, st.Cur, st.Cwd)
		}
	}
	check("home")
	if err := h.ctx.Unshare([]nsctx.Kind{nsctx.Net, nsctx.UTS}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	check("new net, uts")
	if err := h.ctx.Chdir("/"); err != nil {
		t.Fatal(err)
	}
	check("cwd /")
	if err := h.ctx.GoHome(); err != nil {
		t.Fatal(err)
	}
	check("back home")
	h.where.tid = 1 // a thread that is not the context's: found out, relearnt
	k, _, err := h.key(p)
	st, _ := h.ctx.Status()
	if err != nil || k.ns != st.Cur {
		t.Errorf("after a stale tid: %v %v", k.ns, err)
	}
	// Last: a pid namespace with no process yet cannot be left.
	if err := h.ctx.Unshare([]nsctx.Kind{nsctx.PID}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	check("new pid namespace, no process yet")
}

func TestNoPluginAsPidInit(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test"}))
	h.mustCall("techo") // described at home
	if err := h.ctx.Unshare([]nsctx.Kind{nsctx.PID}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.call("", "techo"); err == nil || !strings.Contains(err.Error(), "must not become its init") {
		t.Errorf("a plugin as the first process of a pid namespace: %v", err)
	}
}
