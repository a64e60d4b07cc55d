package lang

import (
	"os"
	"runtime"
	"testing"
)

// A $(...) costs its output about twice (what is read, and the one string
// made of it), however big: no stage of expansion, splitting or
// assignment copies it again.
func TestSubstAllocatesTwice(t *testing.T) {
	c, devnull := testContext(t)
	const n = 64 << 20
	const gen = "$(head -c 67108864 /dev/zero | tr '\\0' a)"
	for _, script := range []string{"x=" + gen, `: "` + gen + `"`, ": " + gen} {
		sh := New(Config{Ctx: c, Stdout: devnull, Stderr: os.Stderr, Environ: os.Environ()})
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		st := runScript(c, sh, script+"\n")
		runtime.ReadMemStats(&after)
		if st != 0 {
			t.Fatalf("%s: status %d", script, st)
		}
		if x, ok := sh.Var("x"); ok && len(x) != n {
			t.Fatalf("x has %d bytes, want %d", len(x), n)
		}
		if got, max := after.TotalAlloc-before.TotalAlloc, uint64(2*n+8<<20); got > max {
			t.Errorf("%s: allocated %d MiB for %d MiB of output, want at most %d MiB", script, got>>20, n>>20, max>>20)
		}
	}
}
