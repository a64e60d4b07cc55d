package repl

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// escapeMeta makes s match only itself in a pattern.
func escapeMeta(s string) string {
	if !strings.ContainsAny(s, `*?[\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`*?[\`, s[i]) >= 0 {
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
	sh.Ctx.Do(func() error {
		out = globHere(pattern)
		return nil
	})
	return out
}

// globHere expands pattern on the calling thread, one path component at
// a time. A * or ? does not match a leading dot unless the component's
// pattern starts with one, as in sh; . and .. are never listed.
func globHere(pattern string) []string {
	bases := []string{""}
	comps := strings.Split(pattern, "/")
	if comps[0] == "" { // absolute
		bases, comps = []string{"/"}, comps[1:]
	}
	for i, c := range comps {
		last := i == len(comps)-1
		var next []string
		switch {
		case c == "" && last: // a trailing /: directories only
			for _, b := range bases {
				if st, err := os.Stat(b); err == nil && st.IsDir() {
					next = append(next, strings.TrimSuffix(b, "/")+"/")
				}
			}
		case c == "":
			next = bases // a//b
		case !hasMeta(c):
			name := unescape(c)
			for _, b := range bases {
				p := join(b, name)
				if _, err := os.Lstat(p); err == nil {
					next = append(next, p)
				}
			}
		default:
			c = negation(c)
			if _, err := filepath.Match(c, ""); err != nil {
				return nil
			}
			dots := strings.HasPrefix(unescape(c), ".")
			for _, b := range bases {
				dir := b
				if dir == "" {
					dir = "."
				}
				f, err := os.Open(dir)
				if err != nil {
					continue
				}
				names, _ := f.Readdirnames(-1)
				f.Close()
				slices.Sort(names)
				for _, n := range names {
					if n[0] == '.' && !dots {
						continue
					}
					if ok, _ := filepath.Match(c, n); ok {
						next = append(next, join(b, n))
					}
				}
			}
		}
		bases = next
		if len(bases) == 0 {
			return nil
		}
	}
	return bases
}

// negation turns sh's [!...] into filepath.Match's [^...].
func negation(pattern string) string {
	b := []byte(pattern)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '\\':
			i++
		case b[i] == '[' && i+1 < len(b) && b[i+1] == '!':
			b[i+1] = '^'
		}
	}
	return string(b)
}

func join(dir, name string) string {
	switch {
	case dir == "":
		return name
	case strings.HasSuffix(dir, "/"):
		return dir + name
	}
	return dir + "/" + name
}
