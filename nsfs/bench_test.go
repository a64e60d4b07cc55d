package nsfs

import "testing"

// The prompt asks for the name of the context's netns every time.
func BenchmarkNetnsName(b *testing.B) {
	id := ID{}
	for b.Loop() {
		NetnsName(id)
	}
}
