package lang

import (
	"slices"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// plainFields answers only for words the expander would give back as
// they are, and then answers as it does.
func TestPlainFields(t *testing.T) {
	env := expand.ListEnviron("HOME=/root", "x=1", "IFS= \t\n")
	cfg := &expand.Config{Env: env}
	for _, c := range []struct {
		words string
		plain bool
	}{
		{"setns /run/netns/red net", true},
		{"ip -n red link set veth0 up", true},
		{"a=b c:d %x ,y @z +w #", true},
		{"~ ~/x a=~/x a:~", false},
		{"*.go a? [ab] [", false},
		{"{a,b} a{b", false},
		{"$x ${x} $(true) `true` $((1))", false},
		{"'q' \"q\" a\\ b \\n $'x'", false},
	} {
		f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader("echo "+c.words+"\n"), "")
		if err != nil {
			t.Fatal(err)
		}
		ws := f.Stmts[0].Cmd.(*syntax.CallExpr).Args[1:]
		for _, w := range ws {
			got, ok := plainFields([]*syntax.Word{w})
			if ok != c.plain {
				t.Errorf("%q: plain %v, want %v", printWord(w), ok, c.plain)
				continue
			}
			if !ok {
				continue
			}
			want, err := expand.Fields(cfg, w)
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("%q: %q, the expander %q (%v)", printWord(w), got, want, err)
			}
		}
	}
}

func printWord(w *syntax.Word) string {
	var b strings.Builder
	syntax.NewPrinter().Print(&b, w)
	return b.String()
}
