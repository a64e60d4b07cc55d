package lang

import "testing"

// The answers are dash's (case WORD in PATTERN), but for [.a.] and [=a=],
// which dash does not have (bash's answers, as POSIX says), and ? and [é]
// on a character of two bytes, which dash matches byte by byte.
func TestPatternMatch(t *testing.T) {
	for _, c := range []struct {
		pat, s string
		want   bool
	}{
		{`[!-ab]`, "-", false}, {`[!-ab]`, "a", false}, {`[!-ab]`, "c", true},
		{`[+--]`, ",", true}, {`[+--]`, "-", true}, {`[+--]`, ".", false},
		{`[--1]`, "0", true}, {`[--1]`, "-", true}, {`[--1]`, "2", false},
		{`[a--@]`, "@", true}, {`[a--@]`, "a", false}, {`[a--@]`, "-", false},
		{`[a-c-e]`, "-", true}, {`[a-c-e]`, "d", false}, {`[a-c-e]`, "e", true},
		{`[x`, "[x", true}, {`[x`, "x", false}, {`[`, "[", true}, {`[]`, "[]", true},
		{`[!]`, "[!]", true}, {`[]ab]`, "]", true}, {`[!]ab]`, "]", false}, {`[!]ab]`, "c", true},
		{`[^ab]`, "^", true}, {`[^ab]`, "c", true}, {`[^ab]`, "a", false}, {`[\^ab]`, "^", true}, {`[\^ab]`, "c", false},
		{`[\!a]`, "!", true}, {`[\!a]`, "b", false}, {`[a\-z]`, "-", true}, {`[a\-z]`, "b", false},
		{`[[:alpha:]]`, "a", true}, {`[[:alpha:]]`, "1", false}, {`[[:foo:]]`, "a", false},
		{`[[.a.]]`, "a", true}, {`[[=a=]]b`, "ab", true},
		{`*`, "a/b", true}, {`?`, "é", true}, {`[é]`, "é", true}, {`a?c`, "a\nc", true},
		{`\*`, "*", true}, {`\*`, "a", false}, {`a\`, `a\`, true}, {`a.c`, "abc", false},
		{`*[05]`, "10", true}, {`*[05]`, "11", false},
	} {
		if got := match(c.pat, c.s); got != c.want {
			t.Errorf("match(%q, %q) = %v, want %v", c.pat, c.s, got, c.want)
		}
	}
}

// quotePattern's pattern matches the string itself, and only it.
func TestQuotePattern(t *testing.T) {
	for _, s := range []string{`*`, `[!a]`, `a-b`, `\`, `]`, `^x`, `[x`, `a\*`} {
		p := quotePattern(s)
		if _, meta := patRegexp(p); meta || !match(p, s) || unescapePattern(p) != s {
			t.Errorf("quotePattern(%q) = %q: meta %v, matches %v", s, p, meta, match(p, s))
		}
	}
}
