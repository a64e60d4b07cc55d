package lang

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// nsh translates shell patterns (POSIX 2.13) into regexps itself, for
// case, [[ == ]], ${x#p} and pathname expansion: mvdan.cc/sh v3.14.1's
// pattern package gets bracket expressions wrong ([!-ab], a range ending
// in '-' as [+--] or [a--@], which it refuses, and bracket expressions
// that match a leading '.' of a file name). In nsh's pattern strings a
// backslash always quotes the next character: quoted text is escaped
// whole (quotePattern), so a quoted '!', '-' or ']' inside brackets
// stays a character.
//
// '^' first in brackets negates as '!' does, as in bash, busybox sh and
// nsh before it had its own patterns (dash and mksh take it for a
// character; POSIX leaves it unspecified): a bash script's [^0-9] must
// not quietly change its meaning.

// patMatcher is a pattern compiled: a plain string when it has no
// pattern character, else a regexp.
type patMatcher struct {
	lit string
	rx  *regexp.Regexp
}

func (m *patMatcher) match(s string) bool {
	if m.rx == nil {
		return m.lit == s
	}
	return m.rx.MatchString(s)
}

// The patterns compiled, kept: a case in a loop would otherwise translate
// and compile its patterns at every round.
var (
	patMu    sync.Mutex
	patCache = map[string]*patMatcher{}
)

// compilePattern gives the matcher of pat, which matches whole strings.
func compilePattern(pat string) *patMatcher {
	patMu.Lock()
	m := patCache[pat]
	patMu.Unlock()
	if m != nil {
		return m
	}
	m = &patMatcher{}
	rx, meta := patRegexp(pat)
	if !meta {
		m.lit = unescapePattern(pat)
	} else if m.rx = regexpOrNil(rx); m.rx == nil {
		m.lit = pat // not UTF-8 the regexp can hold: matches itself
	}
	patMu.Lock()
	if len(patCache) > 1000 {
		clear(patCache)
	}
	patCache[pat] = m
	patMu.Unlock()
	return m
}

func regexpOrNil(rx string) *regexp.Regexp {
	re, err := regexp.Compile(rx)
	if err != nil {
		return nil
	}
	return re
}

// match reports whether s matches the shell pattern pat entirely.
func match(pat, s string) bool { return compilePattern(pat).match(s) }

// patRegexp translates pat into an anchored regexp, and tells whether pat
// has a pattern character at all.
func patRegexp(pat string) (rx string, meta bool) {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i := 0; i < len(pat); {
		switch c := pat[i]; c {
		case '*':
			b.WriteString(`.*`)
			meta = true
			i++
		case '?':
			b.WriteString(`.`)
			meta = true
			i++
		case '\\':
			i++
			if i == len(pat) {
				b.WriteString(`\\`) // a backslash at the end is itself
				continue
			}
			_, n := utf8.DecodeRuneInString(pat[i:])
			b.WriteString(regexp.QuoteMeta(pat[i : i+n]))
			i += n
		case '[':
			if class, n, ok := bracket(pat[i:]); ok {
				b.WriteString(class)
				meta = true
				i += n
				continue
			}
			b.WriteString(`\[`) // not closed: a character
			i++
		default:
			_, n := utf8.DecodeRuneInString(pat[i:])
			b.WriteString(regexp.QuoteMeta(pat[i : i+n]))
			i += n
		}
	}
	b.WriteByte('$')
	return b.String(), meta
}

// classes are the character classes of POSIX's C locale, as Go's regexp
// has them.
var classes = map[string]bool{"alnum": true, "alpha": true, "blank": true, "cntrl": true,
	"digit": true, "graph": true, "lower": true, "print": true, "punct": true, "space": true,
	"upper": true, "xdigit": true}

// bracket translates the bracket expression s starts with into a regexp
// class, with its length in s; ok is false when s has no closing ']'
// (the '[' is then a character).
func bracket(s string) (class string, n int, ok bool) {
	var items strings.Builder
	i := 1
	neg := i < len(s) && (s[i] == '!' || s[i] == '^')
	if neg {
		i++
	}
	// elem reads one character at i: a quoted one, [.c.] or [=c=], or
	// itself; class is set for [:name:].
	elem := func() (r rune, class string, ok bool) {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			r, n := utf8.DecodeRuneInString(s[i+1:])
			i += 1 + n
			return r, "", true
		case s[i] == '[' && i+1 < len(s) && strings.IndexByte(":.=", s[i+1]) >= 0:
			end := strings.Index(s[i+2:], s[i+1:i+2]+"]")
			if end < 0 {
				break // a '[' of its own
			}
			name := s[i+2 : i+2+end]
			kind := s[i+1]
			i += 2 + end + 2
			if kind == ':' {
				if !classes[name] {
					return 0, "", false // no such class: matches nothing
				}
				return 0, name, true
			}
			r, n := utf8.DecodeRuneInString(name)
			if n == 0 || n != len(name) {
				return 0, "", false // collating elements of more than one character
			}
			return r, "", true
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		return r, "", true
	}
	first := true
	for i < len(s) {
		if s[i] == ']' && !first {
			out := items.String()
			switch {
			case out == "" && neg:
				return `(?s:.)`, i + 1, true
			case out == "":
				return `[^\x00-\x{10FFFF}]`, i + 1, true // matches nothing
			case neg:
				return "[^" + out + "]", i + 1, true
			}
			return "[" + out + "]", i + 1, true
		}
		first = false
		lo, cls, ok := elem()
		switch {
		case !ok:
		case cls != "":
			items.WriteString("[:" + cls + ":]")
		case i+1 < len(s) && s[i] == '-' && s[i+1] != ']':
			i++
			hi, cls, ok := elem()
			if ok && cls == "" && hi >= lo {
				fmt.Fprintf(&items, `\x{%x}-\x{%x}`, lo, hi)
			} // else a range of nothing ([a--@] is a--, which is empty, and @)
		default:
			fmt.Fprintf(&items, `\x{%x}`, lo)
		}
	}
	return "", 0, false
}

// unescapePattern is a pattern without pattern characters as the string
// it matches: its backslashes removed.
func unescapePattern(pat string) string {
	if !strings.Contains(pat, `\`) {
		return pat
	}
	var b strings.Builder
	for i := 0; i < len(pat); i++ {
		if pat[i] == '\\' && i+1 < len(pat) {
			i++
		}
		b.WriteByte(pat[i])
	}
	return b.String()
}

// quotePattern is s as a pattern that matches s itself.
func quotePattern(s string) string {
	if !strings.ContainsAny(s, `\*?[]!^-`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`\*?[]!^-`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
