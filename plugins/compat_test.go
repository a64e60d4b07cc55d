package plugins

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/command"
	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
)

// A plugin built with the first SDK (testdata/v1plugin.txtar) keeps
// working: its commands, statuses, stderr, interrupts and completion.
func TestV1PluginStillServed(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"v1": "v1"}))
	if out := h.mustCall("v1echo", "a", "b"); out != "v1 args=a,b var=hello\n" {
		t.Errorf("v1echo: %q", out)
	}
	_, errOut, err := h.call("", "v1status", "3")
	if command.Status(err) != 3 || !strings.Contains(errOut, "v1 failing") {
		t.Errorf("v1status 3: %v, stderr %q", err, errOut)
	}
	// It cannot ask for file names: they are added, as they always were.
	cands, files := h.Complete("v1comp", []string{""}, nil)
	if got := strings.Join(cands, " "); got != "red green" || !files {
		t.Errorf("v1comp completes %q, files %v", got, files)
	}
	var version string
	for _, p := range h.List() {
		if p.Name == "v1" {
			version = p.Version
		}
	}
	if version != "1.0-frozen" {
		t.Errorf("plugin list shows version %q", version)
	}
}

// A plugin that needs a newer host is refused with a message that says so.
func TestPluginNeedsNewerHost(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"future": "test"}))
	if h.Has("tpid") {
		t.Fatal("a plugin for a newer nsh ran")
	}
	want := fmt.Sprintf("plugin future: it needs a newer nsh: plugin protocol 1.99, and this nsh speaks 1.%d", pluginv1.Minor)
	if !strings.Contains(h.warn.String(), want) {
		t.Errorf("discovery said %q", h.warn.String())
	}
	if err := h.Unusable("future"); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Unusable: %v", err)
	}
}
