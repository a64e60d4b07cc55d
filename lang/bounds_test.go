package lang

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsctx"
)

// Bad input ends in a clear error, or runs, and the shell lives: no
// stack overflow (a million nested ifs crashed the parser's goroutine),
// no endless recursion. What it costs is measured by bench/lang.sh.
func TestBadInputBounded(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "self.sh")
	if err := os.WriteFile(self, []byte(". "+self+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, script string
		status       int
		err, out     string
	}{
		{"a million nested ifs", strings.Repeat("if true; then\n", 1e6) + ":\n" + strings.Repeat("fi\n", 1e6),
			2, "syntax error: commands nested too deep to parse", ""},
		{"$(...) 10,000 deep", "echo " + strings.Repeat("$(", 1e4) + "echo hi" + strings.Repeat(")", 1e4) + "\n",
			2, "bench:1: syntax error: commands nested too deep to parse", ""},
		{"( 100,000 deep", strings.Repeat("( ", 1e5) + "echo hi" + strings.Repeat(" )", 1e5) + "\n",
			2, "syntax error: commands nested too deep to parse", ""},
		{"eval of 100,000 nested ifs", "x=$(i=0; while [ $i -lt 100000 ]; do echo 'if true; then'; i=$((i+1)); done)\neval \"$x\"\n",
			2, "eval:", ""},
		{"a script that sources itself", ". " + self + "\n",
			1, "source nested more than 32 deep", ""},
		{"a 10 MB line", "x=" + strings.Repeat("a", 10<<20) + "; echo ${#x}\n",
			0, "", "10485760\n"},
		{"2,000 nested ifs run to the executor's bound", strings.Repeat("if true; then\n", 2000) + "echo deep\n" + strings.Repeat("fi\n", 2000),
			2, "commands nested more than 1000 deep", ""},
		{"500 nested ifs run", strings.Repeat("if true; then\n", 500) + "echo deep\n" + strings.Repeat("fi\n", 500),
			0, "", "deep\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, err := nsctx.New()
			if err != nil {
				t.Fatal(err)
			}
			defer ctx.Close()
			out, errf := tempFile(t), tempFile(t)
			sh := New(Config{Ctx: ctx, Stdout: out, Stderr: errf, Environ: os.Environ()})
			st := runScript(ctx, sh, c.script)
			stdout, stderr := readBack(t, out), readBack(t, errf)
			if st != c.status || !strings.Contains(stderr, c.err) || c.err == "" && stderr != "" || stdout != c.out {
				t.Errorf("status %d, stdout %.80q, stderr %.200q; want %d, %q, %q", st, stdout, stderr, c.status, c.out, c.err)
			}
		})
	}
}

func tempFile(t *testing.T) *os.File {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func readBack(t *testing.T, f *os.File) string {
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
