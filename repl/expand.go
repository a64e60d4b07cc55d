package repl

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// expand turns words into fields: parameters and ~ expand, patterns
// glob (glob.go), quotes are gone. An unquoted expansion is not split at
// blanks (a variable holding "a b" stays one argument, unlike sh), but a
// word that was only an empty unquoted expansion disappears, and $@ gives
// one field per positional argument, quoted or not.
func (sh *Shell) expand(words []*Word) []string {
	var out []string
	for _, w := range words {
		out = append(out, sh.expandWord(w)...)
	}
	return out
}

func (sh *Shell) expandWord(w *Word) []string { return sh.fields(w, !sh.NoGlob) }

// fields expands w; with glob, a word with an unquoted * ? or [ (and no
// $@) expands to the paths it matches, if any.
func (sh *Shell) fields(w *Word, glob bool) []string {
	var (
		fields []string
		cur    strings.Builder
		pat    strings.Builder // cur as a pattern: only unquoted text is live
		have   bool            // cur is a field, even if empty
	)
	glob = glob && livePattern(w)
	add := func(s string, live bool) {
		cur.WriteString(s)
		if glob && live {
			pat.WriteString(s)
		} else if glob {
			pat.WriteString(escapeMeta(s))
		}
	}
	for _, p := range w.Parts {
		switch p.Kind {
		case Lit:
			add(p.Text, !p.Quoted)
			have = have || p.Quoted || p.Text != ""
		case Tilde:
			add(sh.tilde(p.Text), false)
			have = true
		case Param:
			if p.Text == "@" || p.Text == "*" && !p.Quoted {
				glob = false
				for i, a := range sh.Args {
					if i > 0 {
						fields = append(fields, cur.String())
						cur.Reset()
					}
					cur.WriteString(a)
					have = true
				}
				continue
			}
			v := sh.param(p.Text)
			add(v, false)
			have = have || p.Quoted || v != ""
		}
	}
	if glob {
		if paths := sh.glob(pat.String()); len(paths) > 0 {
			return paths
		}
	}
	if have {
		fields = append(fields, cur.String())
	}
	return fields
}

// livePattern reports whether w has an unquoted * ? or [.
func livePattern(w *Word) bool {
	for _, p := range w.Parts {
		if p.Kind == Lit && !p.Quoted && strings.ContainsAny(p.Text, "*?[") {
			return true
		}
	}
	return false
}

// expandOne expands a redirection's target, which must be one field.
func (sh *Shell) expandOne(w *Word) (string, error) {
	fs := sh.expandWord(w)
	if len(fs) != 1 {
		return "", fmt.Errorf("%s: ambiguous redirect (it expands to %d words)", w, len(fs))
	}
	return fs[0], nil
}

func (sh *Shell) param(name string) string {
	switch name {
	case "?":
		return strconv.Itoa(int(sh.last.Load()))
	case "#":
		return strconv.Itoa(len(sh.Args))
	case "*":
		return strings.Join(sh.Args, " ")
	case "$":
		return strconv.Itoa(os.Getpid())
	case "!":
		if pid := sh.lastBg.Load(); pid != 0 {
			return strconv.Itoa(int(pid))
		}
		return ""
	case "0":
		return sh.Name
	}
	if n, err := strconv.Atoi(name); err == nil {
		if n >= 1 && n <= len(sh.Args) {
			return sh.Args[n-1]
		}
		return ""
	}
	v, _ := sh.Var(name)
	return v
}

func (sh *Shell) tilde(name string) string {
	if name == "" {
		if h, ok := sh.Var("HOME"); ok {
			return h
		}
		if h, err := os.UserHomeDir(); err == nil {
			return h
		}
		return "~"
	}
	u, err := user.Lookup(name)
	if err != nil {
		return "~" + name
	}
	return u.HomeDir
}
