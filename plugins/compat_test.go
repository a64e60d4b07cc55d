package plugins

import (
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/builtins"
)

// A plugin built with the first SDK (testdata/v1plugin.txtar) keeps
// working: its commands, statuses, stderr, interrupts and completion.
func TestV1PluginStillServed(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"v1": "v1"}))
	if out := h.mustCall("v1echo", "a", "b"); out != "v1 args=a,b var=hello\n" {
		t.Errorf("v1echo: %q", out)
	}
	_, errOut, err := h.call("", "v1status", "3")
	if builtins.Status(err) != 3 || !strings.Contains(errOut, "v1 failing") {
		t.Errorf("v1status 3: %v, stderr %q", err, errOut)
	}
	if got := strings.Join(h.Complete("v1comp", []string{""}), " "); got != "red green" {
		t.Errorf("v1comp completes %q", got)
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
