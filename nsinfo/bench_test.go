package nsinfo

import (
	"testing"

	"github.com/nsh-dev/nsh/nsfs"
)

// Benchmarks of Scan over whatever the host has; bench/lsns.sh sets up
// 100 or 1,000 pinned network namespaces and runs them (BENCH_GO=1).

func BenchmarkScanAll(b *testing.B) {
	for b.Loop() {
		if _, err := Scan(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScanNet(b *testing.B) {
	for b.Loop() {
		if _, err := Scan(Options{Kinds: []nsfs.Kind{nsfs.Net}}); err != nil {
			b.Fatal(err)
		}
	}
}
