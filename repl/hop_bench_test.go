package repl

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsctx"
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
		if l, _ := os.Readlink(target); l != "" && l != c.Home(nsctx.Net).String() {
			break
		}
	}
	script := strings.Repeat("setns "+target+"\nhome\n", b.N)
	sh := NewShell(c, nil, io.Discard, os.Stderr, os.Environ())
	b.ResetTimer()
	if st := sh.Run(newScriptReader(strings.NewReader(script)), "bench"); st != 0 {
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
