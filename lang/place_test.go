package lang

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

// Hops run on the context thread, also when their operands are $VARs
// (they are judged once expanded); only what reads files as nsh's home
// sees them, away from its mount namespace, goes off it. Counted, not
// timed: each hand-off is one call of Shell.off.
func TestHopsPlaced(t *testing.T) {
	holder := exec.Command("unshare", "--net", "sleep", "600")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	pid := strconv.Itoa(holder.Process.Pid)
	target := "/proc/" + pid + "/ns/net"
	home, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		if l, _ := os.Readlink(target); l != "" && l != home {
			break
		}
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { devnull.Close() })
	for _, c := range []struct {
		script string
		offs   int
	}{
		{"P=" + target + "\nfor i in 1 2 3; do setns $P; home; done", 0},
		{"setns " + target + "; home", 0},
		{"T=-t; setns $T " + pid + " net; home", 0}, // /proc as home sees it: home's mount namespace
		{"P=" + target + "; push; setns $P; pop; push $P; pop", 0},
		{"unshare net; home", 0},
		{"unshare mnt; P=" + target + "; setns $P; home", 0},
		{"unshare mnt; setns -t " + pid + " net; home", 1}, // this /proc is not home's
		{"unshare mnt; push -t " + pid + " net; pop; home", 1},
		{"true | true", 1}, // a pipeline: the count counts
	} {
		ctx, err := nsctx.New()
		if err != nil {
			t.Fatal(err)
		}
		sh := New(Config{Ctx: ctx, Stdin: devnull, Stdout: devnull, Stderr: os.Stderr, Environ: os.Environ()})
		st := runScript(ctx, sh, c.script+"\n")
		s, serr := ctx.Status()
		ctx.Close()
		if st != 0 || serr != nil {
			t.Fatalf("%q: status %d, %v", c.script, st, serr)
		}
		if s.Differs(nsfs.Net) || s.Differs(nsfs.Mnt) {
			t.Errorf("%q: not home after", c.script)
		}
		if sh.offs != c.offs {
			t.Errorf("%q: %d hand-offs, want %d", c.script, sh.offs, c.offs)
		}
	}
}

// A function call runs where the loop around it does, also while plugins
// are not discovered yet (the host answers "maybe a plugin" for any
// other name, which sends a command off the thread): it was one hand-off
// per call, 5x the cost of a loop calling a function.
// maybePluginShell is a shell on a context of its own, to which every
// name that is not a builtin may be a plugin's command, as before plugins
// are discovered.
func maybePluginShell(t *testing.T) (*nsctx.Context, *Shell) {
	ctx, devnull := testContext(t)
	return ctx, New(Config{Ctx: ctx, Stdin: devnull, Stdout: devnull, Stderr: os.Stderr, Environ: os.Environ(),
		IsPlugin: func(string) bool { return true }})
}

func TestFunctionCallsPlaced(t *testing.T) {
	ctx, sh := maybePluginShell(t)
	script := "f() { r=$(( $1 * 3 )); }\ni=0\nwhile [ \"$i\" -lt 100 ]; do f \"$i\"; i=$((i + 1)); done\n"
	if st := runScript(ctx, sh, script); st != 0 {
		t.Fatalf("status %d", st)
	}
	if sh.offs != 0 {
		t.Errorf("%d hand-offs for 100 function calls, want 0", sh.offs)
	}
}

// A script's own lines are placed without the cache, which would keep
// every one of them alive as the script is read (a 4 MB script of
// functions held 100 MB); a loop's body is cached, since it runs again.
func TestTopLevelNotCached(t *testing.T) {
	ctx, devnull := testContext(t)
	sh := New(Config{Ctx: ctx, Stdin: devnull, Stdout: devnull, Stderr: os.Stderr, Environ: os.Environ()})
	var script strings.Builder
	for i := range 200 {
		fmt.Fprintf(&script, "f%d() { if true; then :; fi; }\nif true; then x=%d; fi\n", i, i)
	}
	script.WriteString("for i in 1 2 3; do if true; then f1; fi; done\n")
	if st := runScript(ctx, sh, script.String()); st != 0 {
		t.Fatalf("status %d", st)
	}
	if n := len(sh.placed); n == 0 || n > 2 {
		t.Errorf("%d statements cached, want the loop body's (1 or 2)", n)
	}
}

// testContext is a context and /dev/null for a test's shell, closed when
// the test ends.
func testContext(t testing.TB) (*nsctx.Context, *os.File) {
	t.Helper()
	ctx, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ctx.Close() })
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { devnull.Close() })
	return ctx, devnull
}

// spawn in the foreground runs on the context thread as a command word
// does; spawn -b goes off it (its job needs the thread) and still runs.
func TestSpawnPlaced(t *testing.T) {
	for _, c := range []struct {
		script string
		offs   int
	}{
		{"spawn true; spawn -- true; for i in 1 2 3; do spawn true; done", 0},
		{"/bin/true; spawn /bin/true", 0},
		{"spawn -b true; wait", 2}, // the spawn, then wait while a job runs
	} {
		ctx, devnull := testContext(t)
		sh := New(Config{Ctx: ctx, Stdin: devnull, Stdout: devnull, Stderr: os.Stderr, Environ: os.Environ()})
		if st := runScript(ctx, sh, c.script+"\n"); st != 0 {
			t.Fatalf("%q: status %d", c.script, st)
		}
		if sh.offs != c.offs {
			t.Errorf("%q: %d hand-offs, want %d", c.script, sh.offs, c.offs)
		}
	}
}

// A command word with a slash is a path, never a plugin's command (their
// names are plain words): a loop of programs stays on the context thread
// even while plugins are not yet known (IsPlugin says maybe to all).
func TestPathsPlaced(t *testing.T) {
	ctx, sh := maybePluginShell(t)
	if st := runScript(ctx, sh, "for i in 1 2 3; do /bin/true; done\n/bin/true\n"); st != 0 {
		t.Fatalf("status %d", st)
	}
	if sh.offs != 0 {
		t.Errorf("%d hand-offs for 4 programs named by path, want 0", sh.offs)
	}
}
