package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// testPlugins builds the example plugins and the test plugin once per run,
// for the plugin_*.txtar scripts ($NSH_TEST_PLUGINS).
var testPlugins = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "nsh-script-plugins-")
	if err != nil {
		return "", err
	}
	builtPlugins = dir
	for name, pkg := range map[string]string{
		"netinfo":  "../../plugins/examples/netinfo",
		"whereami": "../../plugins/examples/whereami",
		"test":     "../../plugins/internal/testplugin",
	} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "nsh-plugin-"+name), pkg).CombinedOutput()
		if err != nil {
			return "", &buildError{pkg, err, out}
		}
	}
	return dir, nil
})

type buildError struct {
	pkg string
	err error
	out []byte
}

func (e *buildError) Error() string {
	return "go build " + e.pkg + ": " + e.err.Error() + "\n" + string(e.out)
}

// pluginsForScripts returns the built plugins. They stay for the whole
// test binary (go test -count=N runs the scripts N times) and are removed
// by TestMain when it ends.
func pluginsForScripts(t *testing.T) string {
	dir, err := testPlugins()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// builtPlugins is the directory testPlugins made, if it ran.
var builtPlugins string

// removeTestPlugins is called by TestMain after the tests.
func removeTestPlugins() {
	if builtPlugins != "" {
		os.RemoveAll(builtPlugins)
	}
}
