package main

import (
	"os"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/repl"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run this test binary as the nsh command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"nsh": func() { os.Exit(repl.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script/*.txtar
// against the built binary. They need root: they make real namespaces.
func TestScripts(t *testing.T) {
	nstest.RequireRoot(t)
	plugins := pluginsForScripts(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", os.Getenv("PATH"))
			env.Setenv("NSH_TEST_PLUGINS", plugins) // plugin_*.txtar
			// Whatever a script pinned under $WORK goes, even if it failed.
			work := env.WorkDir
			env.Defer(func() { nstest.UnmountAll(work) })
			return nil
		},
		RequireExplicitExec: false,
	})
}
