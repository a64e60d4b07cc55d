package lang

import (
	"io/fs"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/nsctx"
)

// Pathname expansion of the words whose own text has a pattern character
// is nsh's (its patterns, pattern.go), not mvdan.cc/sh's: besides the
// bracket expressions, the expander's globbing lets a bracket expression
// or ? match a leading '.', and drops a last part without pattern
// characters that is a dangling symlink (d*/abc), which POSIX's lstat
// keeps. Words nsh leaves to the expander: those with braces, a leading
// tilde, $@ or $*, or extended globs, and those whose pattern characters
// come only from an expansion's value. The directories are read on the
// context's thread, in one go.

// ownGlob tells whether nsh expands w itself.
func ownGlob(w *syntax.Word) bool {
	meta := false
	for i, p := range w.Parts {
		if l, ok := p.(*syntax.Lit); ok {
			if strings.IndexByte(l.Value, '{') >= 0 || i == 0 && strings.HasPrefix(l.Value, "~") {
				return false // braces and tildes: the expander's
			}
			meta = meta || hasMeta(l.Value)
		}
	}
	if !meta {
		return false
	}
	_, ok := plainWord(w)
	return ok
}

// hasMeta tells whether s, a word's text, may hold a pattern: a * or ?,
// or a [ with a ] after it (the command [ is no pattern).
func hasMeta(s string) bool {
	if strings.ContainsAny(s, "*?") {
		return true
	}
	i := strings.IndexByte(s, '[')
	return i >= 0 && strings.IndexByte(s[i+1:], ']') >= 0
}

// globWord expands w to its fields, split with ifs and globbed.
func (sh *Shell) globWord(w *syntax.Word, ifs string) ([]string, error) {
	fields, err := sh.splitPieces(w, ifs)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ps := range fields {
		var pat, lit strings.Builder
		for _, p := range ps {
			switch p.kind {
			case wordText: // as written: its backslashes quote
				pat.WriteString(p.text)
				lit.WriteString(unescapePattern(p.text))
			case quotedText:
				pat.WriteString(quotePattern(p.text))
				lit.WriteString(p.text)
			default:
				pat.WriteString(p.text)
				lit.WriteString(p.text)
			}
		}
		matches, err := sh.glob(pat.String())
		if err != nil {
			return nil, err
		}
		if len(matches) == 0 {
			matches = []string{lit.String()}
		}
		out = append(out, matches...)
	}
	return out, nil
}

// glob gives the paths that pat matches, sorted; none when it has no
// pattern character.
func (sh *Shell) glob(pat string) ([]string, error) {
	comps := strings.Split(pat, "/")
	paths := []string{""}
	if comps[0] == "" && len(comps) > 1 {
		paths[0], comps = "/", comps[1:]
	}
	ms := make([]*patMatcher, len(comps))
	meta := false
	for i, c := range comps {
		ms[i] = compilePattern(c)
		meta = meta || ms[i].rx != nil
	}
	if !meta {
		return nil, nil
	}
	err := sh.cx.files(func(f nsctx.FS) error {
		lastLit := false // whether the last part was a name: is it there?
		for i, c := range comps {
			m := ms[i]
			if m.rx == nil {
				for j := range paths {
					paths[j] = joinPath(paths[j], m.lit)
				}
				lastLit = true
				continue
			}
			lastLit = false
			dirOnly := i < len(comps)-1
			// A leading '.' is matched by a '.' only, never by * ? or [.].
			dot := strings.HasPrefix(c, ".") || strings.HasPrefix(c, `\.`)
			var next []string
			for _, dir := range paths {
				d := dir
				if d == "" {
					d = "."
				}
				ents, err := f.ReadDir(d)
				if err != nil {
					continue // not there, or no directory: no match
				}
				for _, e := range ents {
					name := e.Name()
					if name[0] == '.' && !dot || dirOnly && !e.IsDir() && e.Type()&fs.ModeSymlink == 0 {
						continue
					}
					if m.match(name) {
						next = append(next, joinPath(dir, name))
					}
				}
			}
			if paths = next; len(paths) == 0 {
				return nil
			}
		}
		if lastLit {
			paths = slices.DeleteFunc(paths, func(p string) bool { return !f.Exists(p) })
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(paths)
	return paths, nil
}

func joinPath(dir, name string) string {
	switch {
	case dir == "":
		return name
	case strings.HasSuffix(dir, "/"):
		return dir + name
	}
	return dir + "/" + name
}
