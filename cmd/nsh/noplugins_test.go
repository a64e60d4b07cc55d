package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoPlugins builds nsh with -tags noplugins, the build that leaves
// the plugin host out: it must not link package plugins or go-plugin, and
// must say so instead of failing otherwise.
func TestNoPlugins(t *testing.T) {
	deps := func(tags ...string) string {
		out, err := exec.Command("go", append(append([]string{"list"}, tags...), "-deps", ".")...).CombinedOutput()
		if err != nil {
			t.Fatalf("go list: %v\n%s", err, out)
		}
		return string(out)
	}
	const host, goPlugin = "github.com/nsh-dev/nsh/plugins\n", "github.com/hashicorp/go-plugin\n"
	if full := deps(); !strings.Contains(full, host) || !strings.Contains(full, goPlugin) {
		t.Fatalf("the full build links no plugin host:\n%s", full)
	}
	for _, dep := range strings.Fields(deps("-tags", "noplugins")) {
		if strings.HasPrefix(dep, "github.com/nsh-dev/nsh/plugins") || strings.HasPrefix(dep, "github.com/hashicorp/go-plugin") {
			t.Errorf("nsh -tags noplugins links %s", dep)
		}
	}

	bin := filepath.Join(t.TempDir(), "nsh-noplugins")
	if out, err := exec.Command("go", "build", "-tags", "noplugins", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags noplugins: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-c", "plugin list").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || string(out) != "-c:1: plugin: plugins are not built into this nsh\n" {
		t.Errorf("nsh-noplugins -c 'plugin list': %v: %q", err, out)
	}
	out, err = exec.Command(bin, "-V").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\nplugin-protocol none\n") {
		t.Errorf("nsh-noplugins -V: %v: %q", err, out)
	}
	// A program not found is still one: no plugin is asked.
	out, err = exec.Command(bin, "-c", "echo hi; nosuchprogram-x").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 127 || !strings.HasPrefix(string(out), "hi\n") {
		t.Errorf("nsh-noplugins -c 'nosuchprogram-x': %v: %q", err, out)
	}
}
