package main

import (
	"io"
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
	testscript.Main(cleanupAfter{m}, map[string]func(){
		"nsh": main,
		// nsh as a main package without nsexec composes it: refuses
		// user, time and pid namespace work (no_helper.txtar).
		"nsh-without-helper": func() { os.Exit(repl.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, options...)) },
	})
}

// cleanupAfter removes what the tests shared (the built plugins) once they
// have all run.
type cleanupAfter struct{ m *testing.M }

func (c cleanupAfter) Run() int {
	defer removeTestPlugins()
	return c.m.Run()
}

// TestScripts runs the end-to-end scripts in testdata/script/*.txtar
// against the built binary. They need root: they make real namespaces.
func TestScripts(t *testing.T) {
	nstest.RequireRoot(t)
	nobody := nobodyBinary(t)
	plugins := pluginsForScripts(t)
	testdata, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", os.Getenv("PATH"))
			env.Setenv("NSH_TEST_PLUGINS", plugins) // plugin_*.txtar
			env.Setenv("TESTDATA", testdata)        // topology.txtar
			// No plugins but a script's own: what the machine has
			// installed (/usr/lib/nsh/plugins) would start in its
			// namespaces when a program's name is first looked up.
			env.Setenv("NSH_PLUGIN_PATH", "")
			// For the scripts that run nsh as an ordinary user:
			//   exec setpriv --reuid=65534 --regid=65534 --clear-groups $NOBODY_NSH
			env.Setenv("NOBODY_NSH", nobody)
			// Sticky, as /tmp is: nobody may add files, not replace
			// root's (nsh unpins through a directory others may
			// change only the pins it made itself).
			if err := os.Chmod(env.WorkDir, 0o777|os.ModeSticky); err != nil {
				return err
			}
			if err := os.Chmod(filepath.Dir(env.WorkDir), 0o755); err != nil {
				return err
			}
			// Whatever a script pinned under $WORK goes, even if it failed.
			work := env.WorkDir
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

// nobodyBinary is a copy of this test binary, named nsh, that any user may
// run (go test's own directories are private to root).
func nobodyBinary(t *testing.T) string {
	dir, err := os.MkdirTemp("", "nsh-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	bin := filepath.Join(dir, "nsh")
	out, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return bin
}
