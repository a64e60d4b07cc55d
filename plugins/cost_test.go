package plugins

import (
	"testing"
)

// The first use of a command names its plugin's file: only that plugin
// is described; the idle processes are capped in all, the longest idle
// stopped first.
func TestDescribeTheNeededAndCapIdle(t *testing.T) {
	h := newTestHost(t, pluginDir(t, map[string]string{"test": "test", "whereami": "whereami"}))
	h.MaxIdleTotal = 1
	h.mustCall("whereami")
	h.mu.Lock()
	for _, p := range h.plugins {
		if p.Name == "test" && p.described {
			t.Error("whereami's first use described plugin test too")
		}
	}
	h.mu.Unlock()
	first := h.pids()
	if len(first) != 1 {
		t.Fatalf("%d idle processes, want 1", len(first))
	}
	h.pid() // plugin test: now the only idle process
	waitGone(t, first[0])
	if n := len(h.pids()); n != 1 {
		t.Errorf("%d idle processes, want 1", n)
	}
}
