package lang

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

// BenchmarkHopScript runs `setns PIN; home` through the whole shell:
// reading, parsing, dispatch and the namespace syscalls.
func BenchmarkHopScript(b *testing.B) {
	c, err := nsctx.New()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	holder := exec.Command("unshare", "--net", "sleep", "600")
	if err := holder.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { holder.Process.Kill(); holder.Wait() }()
	target := "/proc/" + benchItoa(holder.Process.Pid) + "/ns/net"
	for i := 0; i < 1000; i++ {
		if l, _ := os.Readlink(target); l != "" && l != c.Home(nsfs.Net).String() {
			break
		}
	}
	script := strings.Repeat("setns "+target+"\nhome\n", b.N)
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	sh := New(Config{Ctx: c, Stdin: devnull, Stdout: devnull, Stderr: os.Stderr, Environ: os.Environ()})
	b.ResetTimer()
	if st := runScript(c, sh, script); st != 0 {
		b.Fatalf("status %d", st)
	}
}

func benchItoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// BenchmarkSpawnScript runs `spawn /bin/true` through the whole shell: the
// cost of a program beyond its own fork and exec.
func BenchmarkSpawnScript(b *testing.B) {
	c, err := nsctx.New()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	script := strings.Repeat("spawn /bin/true\n", b.N)
	sh := New(Config{Ctx: c, Stdin: devnull, Stdout: devnull, Stderr: os.Stderr, Environ: os.Environ()})
	b.ResetTimer()
	if st := runScript(c, sh, script); st != 0 {
		b.Fatalf("status %d", st)
	}
}

// runScript runs a script as Main does: the shell on the context thread.
func runScript(c *nsctx.Context, sh *Shell, script string) int {
	var st int
	c.Run(func() { st = sh.RunOnThread(strings.NewReader(script), "bench") })
	return st
}

// BenchmarkCaseLoop is a while loop with a case of four patterns (a
// literal, a bracket expression, a quoted part, *) per round: the cost of
// matching, which nsh's patterns (pattern.go) must keep low. One op is
// 1,000 rounds.
func BenchmarkCaseLoop(b *testing.B) {
	c, err := nsctx.New()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	script := "i=0 n=0; while [ $i -lt 1000 ]; do case $i in net) ;; *[05]) n=$((n+1)) ;; \"1\"*) ;; *) ;; esac; i=$((i+1)); done\n"
	sh := New(Config{Ctx: c, Stdin: devnull, Stdout: devnull, Stderr: os.Stderr, Environ: os.Environ()})
	b.ResetTimer()
	for range b.N {
		if st := runScript(c, sh, script); st != 0 {
			b.Fatalf("status %d", st)
		}
	}
}
