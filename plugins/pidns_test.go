package plugins

import (
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsexec"
	"github.com/nsh-dev/nsh/nsfs"
)

// The helper, as in the nsh binary (cmd/nsh/main.go).
func init() {
	nsctx.UseHelper(nsexec.StartNofile())
	nsctx.UseSpawn(nsexec.Spawn) // jobs fork as in nsh
}

// After unshare pid (nsh starts the namespace's init), a plugin process is
// started in the new pid namespace, not as its init.
func TestPluginInNewPidNamespace(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test", "whereami": "whereami"}))
	homePid := h.pid()
	if err := h.ctx.Unshare([]nsfs.Kind{nsfs.PID}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	st, _ := h.ctx.Status()
	want := strconv.FormatUint(st.Cur[nsfs.PID].Ino, 10)
	if got := strings.TrimSpace(h.mustCall("nsinode", "pid")); got != want {
		t.Errorf("the plugin's pid namespace is %s, want %s", got, want)
	}
	if pid := h.pid(); pid == homePid || pid == 1 {
		t.Errorf("in the new pid namespace the plugin has pid %d", pid)
	}
	// The host API knows the plugin's connection by its pid as nsh sees it.
	if out := h.mustCall("twhere"); !strings.Contains(out, "away pid "+want+" ") {
		t.Errorf("twhere in the new pid namespace: %q", out)
	}
}
