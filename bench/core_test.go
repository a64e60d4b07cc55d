package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// setup builds nsh, makes a netns pinned under /run/netns and writes the
// scripts the benchmarks run. Everything is removed when b ends.
func setup(b *testing.B) (dir, nsh, name string) {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	dir = b.TempDir()
	nsh = filepath.Join(dir, "nsh")
	if out, err := exec.Command("go", "build", "-o", nsh, "../cmd/nsh").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	name = fmt.Sprintf("nshbench-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		b.Fatalf("ip netns add: %v\n%s", err, out)
	}
	b.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	pin := "/run/netns/" + name
	write := func(file, text string) {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	write("spawn.nsh", "setns "+pin+"\n"+strings.Repeat("spawn /bin/true\n", 200))
	write("plain.sh", "for i in $(seq 200); do /bin/true; done\n")
	write("nsenter.sh", "for i in $(seq 200); do nsenter --net="+pin+" /bin/true; done\n")
	write("ipnetns.sh", "for i in $(seq 200); do ip netns exec "+name+" /bin/true; done\n")
	write("hop.nsh", strings.Repeat("setns "+pin+"\nhome\n", 1000))
	return dir, nsh, name
}

func runEach(b *testing.B, argv ...string) {
	for i := 0; i < b.N; i++ {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			b.Fatalf("%v: %v\n%s", argv, err, out)
		}
	}
}

// BenchmarkSpawn200: 200 programs in a pinned net namespace, four ways.
func BenchmarkSpawn200(b *testing.B) {
	dir, nsh, _ := setup(b)
	b.Run("sh-plain", func(b *testing.B) { runEach(b, "sh", filepath.Join(dir, "plain.sh")) })
	b.Run("nsh-spawn", func(b *testing.B) { runEach(b, nsh, filepath.Join(dir, "spawn.nsh")) })
	b.Run("sh-nsenter", func(b *testing.B) { runEach(b, "sh", filepath.Join(dir, "nsenter.sh")) })
	b.Run("sh-ip-netns-exec", func(b *testing.B) { runEach(b, "sh", filepath.Join(dir, "ipnetns.sh")) })
}

// BenchmarkHop1000: 1,000 pairs of `setns PIN; home` in one script, against
// nsh's start-up alone; the difference over 1,000 is the cost of a pair.
func BenchmarkHop1000(b *testing.B) {
	dir, nsh, _ := setup(b)
	b.Run("nsh-startup", func(b *testing.B) { runEach(b, nsh, "-c", "ns") })
	b.Run("nsh-1000-hops", func(b *testing.B) { runEach(b, nsh, filepath.Join(dir, "hop.nsh")) })
}

// BenchmarkStartup: nsh -c ns against nsenter into a pin.
func BenchmarkStartup(b *testing.B) {
	_, nsh, name := setup(b)
	b.Run("nsenter", func(b *testing.B) { runEach(b, "nsenter", "--net=/run/netns/"+name, "true") })
	b.Run("nsh", func(b *testing.B) { runEach(b, nsh, "-c", "ns") })
}
