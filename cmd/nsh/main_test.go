package main

import (
	"os"
	"path/filepath"
	"strconv"
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
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", os.Getenv("PATH"))
			// Whatever a script pinned under $WORK goes, even if it failed.
			work := env.WorkDir
			// Let scripts that drop privileges (setpriv) reach $WORK.
			os.Chmod(filepath.Dir(work), 0o755)
			env.Defer(func() { nstest.UnmountAll(work) })
			// ip netns names a script makes end in $NSUNIQ; they go too.
			uniq := "-nshtest" + strconv.Itoa(os.Getpid()) + filepath.Base(work)
			env.Setenv("NSUNIQ", uniq)
			env.Defer(func() { nstest.DeleteNetns(uniq) })
			return nil
		},
		RequireExplicitExec: false,
	})
}
