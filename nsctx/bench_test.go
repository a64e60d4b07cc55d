package nsctx

import (
	"os/exec"
	"testing"
)

// BenchmarkHop measures one hop: join a namespace, then go home.
func BenchmarkHop(b *testing.B) {
	c, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	cmd := exec.Command("unshare", "--net", "sleep", "600")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var h *Handle
	for i := 0; i < 1000; i++ {
		sleepBriefly()
		if h, err = OpenProcess(cmd.Process.Pid, Net); err == nil && h.id != c.Home(Net).id {
			break
		}
	}
	defer h.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Join(h); err != nil {
			b.Fatal(err)
		}
		if err := c.GoHome(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDo measures handing an empty piece of work to the context thread.
func BenchmarkDo(b *testing.B) {
	c, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < b.N; i++ {
		c.Do(func() error { return nil })
	}
}
