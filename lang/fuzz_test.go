package lang

import (
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

// sandboxed are the builtins a fuzzed script may run: those that touch
// nothing outside the shell (no program, no hop, no file, no signal).
var sandboxed = map[string]bool{}

func init() {
	for _, n := range []string{":", "true", "false", "echo", "printf", "test", "[",
		"set", "shift", "local", "return", "break", "continue", "eval", "exit",
		"export", "unset", "readonly", "getopts", "read", "alias", "unalias",
		"command", "exec", "wait", "times"} {
		sandboxed[n] = true
	}
}

var fuzzCtx = sync.OnceValues(nsctx.New)

// FuzzScript parses, expands and runs random scripts in a sandboxed shell
// (see Shell.allow): pure builtins and functions only, redirections to
// /dev/null, each run cut off after a deadline. It must neither crash nor
// hang nor move the context. The seeds are in testdata/fuzz/FuzzScript.
//
//	go test -run '^$' -fuzz FuzzScript -fuzztime 5m ./lang
func FuzzScript(f *testing.F) {
	for _, s := range []string{
		"f() { local x=$1; echo ${x:-none} $((x+1)); }; for i in 1 2 3; do f $i; done",
		"case $1 in a|b) echo ab;; *) echo other;; esac",
		"i=0; while [ $i -lt 5 ]; do i=$((i+1)); done; echo $i",
		"x='a b  c'; set -- $x; echo $# \"$@\" ${#x} ${x#a} ${x%%c}",
		"read -r a b <<EOF\none two\nEOF\necho $a$b",
		"{ echo a; echo b; } | while read l; do echo $l; done",
		"(exit 3); echo $?; ! true || echo no",
		"trap 'echo bye' EXIT; set -e; false; echo not",
		"echo $(echo $(printf '%s' x)) `echo y` > out 2>&1 3>&- <&0",
		"eval 'echo ${1:?unset}' || echo tested",
		"alias l='echo aliased'\nl",
		"until false; do break; done & wait $!",
		"x=$'tab\\t'; [[ $x == tab* ]] && echo bash",
		"echo <(echo hi) >(cat)",       // crashed the expander
		"() echo hi; echo not reached", // a function with no name crashed
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		if len(script) > 4096 {
			return
		}
		c, err := fuzzCtx()
		if err != nil {
			t.Fatal(err)
		}
		null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer null.Close()
		sh := New(Config{Ctx: c, Stdin: null, Stdout: null, Stderr: null,
			Environ: []string{"HOME=/nonexistent", "PATH=/nonexistent"}, Name: "fuzz", Args: []string{"a", "b c"}})
		sh.allow = func(name string) bool { return sandboxed[name] }
		deadline := time.Now().Add(300 * time.Millisecond)
		sh.abort = func() int {
			if time.Now().After(deadline) {
				return 124
			}
			return 0
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			runScript(c, sh, script)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("did not end 10 s after its deadline: %q", script)
		}
		st, err := c.Status()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range nsfs.Kinds() {
			if st.Cur[k] != st.Home[k] {
				t.Fatalf("the context moved (%s): %q", k, script)
			}
		}
	})
}

// TestSandbox proves the fuzz sandbox: builtins and functions run,
// programs and files are refused, and the script goes on after them.
func TestSandbox(t *testing.T) {
	c, err := fuzzCtx()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, err := os.Create(dir + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	sh := New(Config{Ctx: c, Stdin: out, Stdout: out, Stderr: out, Environ: os.Environ()})
	sh.allow = func(name string) bool { return sandboxed[name] }
	script := "set +e; echo ran; echo x > " + dir + "/f; touch " + dir + "/g; command touch " + dir + "/h\n" +
		"f() { echo fn $1; }; f 1; exec 3>" + dir + "/i; echo st=$?"
	if st := runScript(c, sh, script); st != 0 {
		t.Errorf("status %d", st)
	}
	got, _ := os.ReadFile(dir + "/out")
	want := "ran\nbench:1: touch: not run in this sandbox\nbench:1: touch: not run in this sandbox\nfn 1\nst=0\n"
	if string(got) != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	for _, f := range []string{"f", "g", "h", "i"} {
		if _, err := os.Stat(dir + "/" + f); err == nil {
			t.Errorf("%s was made", f)
		}
	}
}

// sandboxRun runs script in a sandboxed shell, all its output to one
// file, and gives its status and output.
func sandboxRun(t *testing.T, script string) (int, string) {
	t.Helper()
	c, err := fuzzCtx()
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	sh := New(Config{Ctx: c, Stdin: out, Stdout: out, Stderr: out})
	sh.allow = func(name string) bool { return sandboxed[name] }
	st := runScript(c, sh, script)
	got, _ := os.ReadFile(out.Name())
	return st, string(got)
}

// Inputs the fuzzer (or its seeds) crashed the shell with: an error that
// stops the script instead.
func TestFuzzFound(t *testing.T) {
	for _, c := range []struct{ script, want string }{
		// <(...) parses in bash mode; the expander had no function for it.
		{"echo <(echo hi); echo not reached", "bench:1: process substitution <(...) and >(...) is not supported by nsh\n"},
		// "() cmd" parses as a function with no name.
		{"set +e; () echo hi; echo not reached", "bench:1: syntax error: a function definition needs a name\n"},
	} {
		st, got := sandboxRun(t, c.script)
		if st == 0 || got != c.want {
			t.Errorf("%q: status %d, output %q, want %q", c.script, st, got, c.want)
		}
	}
}
