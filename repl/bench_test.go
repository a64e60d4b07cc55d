package repl

import "testing"

// BenchmarkParse measures parsing a typical script line; the hop
// benchmark of issue 2 (setns PIN; home, 10,000 times) pays it per line.
func BenchmarkParse(b *testing.B) {
	const line = `setns /run/netns/lab-"$N" net && ip -o link | grep -c UP > "$OUT" 2>&1 # count`
	for b.Loop() {
		if _, err := Parse(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExpand(b *testing.B) {
	sh := &Shell{vars: map[string]*variable{}, Args: []string{"a", "b"}}
	sh.SetVar("N", "7", false)
	sh.SetVar("OUT", "/tmp/out", false)
	l, err := Parse(`setns /run/netns/lab-"$N" net "$@" ~/x $OUT`)
	if err != nil {
		b.Fatal(err)
	}
	words := l[0].Pipes[0].Cmds[0].Words
	for b.Loop() {
		sh.expand(words, nil)
	}
}
