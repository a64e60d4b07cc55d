package repl

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/nsh-dev/nsh/nsctx"
)

// Globbing: an unquoted * ? or [...] in a word makes it a pattern, which
// expands to the names it matches, sorted, or stays as typed when nothing
// matches (as in sh). Quoted text and the results of $VAR and ~ match only
// themselves. The names are read on the context thread, so they are the
// files of the context's mount namespace and working directory, the same
// ones its programs will open.

// hasMeta reports whether pattern (with \ escapes) has an unescaped * ? or [.
func hasMeta(pattern string) bool {
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			i++
		case '*', '?', '[':
			return true
		}
	}
	return false
}

// special are the characters a pattern gives a meaning to, within
// brackets too.
const special = `*?[]\-!^`

// escapeMeta makes s match only itself in a pattern.
func escapeMeta(s string) string {
	if !strings.ContainsAny(s, special) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(special, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescape removes a pattern's \ escapes.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// glob expands pattern in the context. No match, or a malformed pattern,
// gives nil.
func (sh *Shell) glob(pattern string) []string {
	var out []string
	sh.Ctx.Files(func(fs nsctx.FS) error {
		out = globHere(pattern, fs)
		return nil
	})
	return out
}

// globHere expands pattern on the calling thread, one path component at
// a time, and sorts the paths. A * or ? does not match a leading dot
// unless the component's pattern starts with one, as in sh; . and .. are
// never listed.
// fs is the context's view of the files (Context.Files).
func globHere(pattern string, fs nsctx.FS) []string {
	// Every base is "" or ends in '/': a component appends its name, and
	// a '/' unless it is the last one.
	bases := []string{""}
	comps := strings.Split(pattern, "/")
	if comps[0] == "" { // absolute
		bases, comps = []string{"/"}, comps[1:]
	}
	for i, c := range comps {
		last := i == len(comps)-1
		sep := "/"
		if last {
			sep = ""
		}
		var next []string
		switch {
		case c == "" && last: // a trailing /: directories only
			for _, b := range bases {
				if fs.IsDir(b) {
					next = append(next, b)
				}
			}
		case c == "": // a//b keeps its slashes, as in sh
			for _, b := range bases {
				next = append(next, b+"/")
			}
		case !hasMeta(c):
			name := unescape(c)
			for _, b := range bases {
				if fs.Exists(b + name) {
					next = append(next, b+name+sep)
				}
			}
		default:
			c = goPattern(c)
			if _, err := filepath.Match(c, ""); err != nil {
				return nil
			}
			dots := strings.HasPrefix(unescape(c), ".")
			for _, b := range bases {
				dir := b
				if dir == "" {
					dir = "."
				}
				names, err := fs.Names(dir)
				if err != nil {
					continue
				}
				for _, n := range names {
					if n[0] == '.' && !dots {
						continue
					}
					if ok, _ := filepath.Match(c, n); ok {
						next = append(next, b+n+sep)
					}
				}
			}
		}
		bases = next
		if len(bases) == 0 {
			return nil
		}
	}
	slices.Sort(bases)
	return bases
}

// goPattern turns one component of an sh pattern into filepath.Match's
// syntax. The brackets differ: in sh [!...] negates, a ] first in the
// class and a - first or last are plain characters, [:alpha:] and the
// other classes name sets, and a [ that no ] closes is a plain [.
func goPattern(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\' && i+1 < len(p):
			b.WriteString(p[i : i+2])
			i++
		case c == '[':
			if class, n := bracket(p[i:]); n > 0 {
				b.WriteString(class)
				i += n - 1
			} else {
				b.WriteString(`\[`)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// bracket translates the class that s starts with; n is its length in s,
// 0 if nothing closes it.
func bracket(s string) (class string, n int) {
	var b strings.Builder
	b.WriteByte('[')
	i := 1
	if i < len(s) && (s[i] == '!' || s[i] == '^') {
		b.WriteByte('^')
		i++
	}
	for first := true; i < len(s); first = false {
		c := s[i]
		switch {
		case c == ']' && !first:
			return b.String() + "]", i + 1
		case c == '\\' && i+1 < len(s):
			b.WriteString(s[i : i+2])
			i += 2
		case c == '[' && strings.HasPrefix(s[i:], "[:"):
			if end := strings.Index(s[i+2:], ":]"); end >= 0 {
				if set, ok := posixClasses[s[i+2:i+2+end]]; ok {
					b.WriteString(set)
					i += end + 4
					continue
				}
			}
			b.WriteString(`\[`)
			i++
		case c == '-' && (first || i+1 < len(s) && s[i+1] == ']'):
			b.WriteString(`\-`)
			i++
		case c == ']' || c == '[' || c == '^':
			b.WriteString(`\` + string(c))
			i++
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0
}

// posixClasses are [:NAME:] in the C locale, as filepath.Match ranges.
var posixClasses = map[string]string{
	"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z",
	"lower": "a-z", "xdigit": "0-9a-fA-F", "space": " \t\n\r\f\v", "blank": " \t",
	"punct": `!-/:-@\[-` + "`" + `{-~`, "cntrl": "\x00-\x1f\x7f",
	"print": " -~", "graph": "!-~",
}
