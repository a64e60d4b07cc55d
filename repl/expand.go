package repl

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// expand turns words into fields: parameters, ~ and $(...) expand,
// patterns glob (glob.go), quotes are gone. An unquoted $VAR is not split
// at blanks (a variable holding "a b" stays one argument, unlike sh), but
// a word that was only an empty unquoted expansion disappears, $@ gives
// one field per positional argument, quoted or not, and an unquoted
// $(...) gives one field per blank-separated word of its output (as in
// sh: output is a list of names or numbers more often than not).
//
// x, if not nil, is shared by the expansions of one command.
func (sh *Shell) expand(words []*Word, x *expansion) ([]string, error) {
	var out []string
	for _, w := range words {
		f, err := sh.fields(w, !sh.NoGlob, true, x)
		if err != nil {
			return nil, err
		}
		out = append(out, f...)
	}
	return out, nil
}

// expansion is what the expansions of one command share, as in sh: the
// assignments made so far (later ones see them) and the status of the
// last $(...) (-1 if none ran).
type expansion struct {
	vars  map[string]string
	subst int
}

// assigned are the assignments made so far.
func (x *expansion) assigned() map[string]string {
	if x == nil {
		return nil
	}
	return x.vars
}

func (x *expansion) lookup(name string) (string, bool) {
	if x == nil {
		return "", false
	}
	v, ok := x.vars[name]
	return v, ok
}

// fields expands w; with glob, a word with an unquoted * ? or [ (and no
// $@) expands to the paths it matches, if any; with split, an unquoted
// $(...) gives a field per word of its output (an assignment's value is
// neither globbed nor split).
func (sh *Shell) fields(w *Word, glob, split bool, x *expansion) ([]string, error) {
	var (
		fields []string
		cur    piece
		pat    strings.Builder // cur as a pattern: only unquoted text is live
		have   bool            // cur is a field, even if empty
	)
	glob = glob && livePattern(w)
	add := func(s string, live bool) {
		cur.add(s)
		if glob && live {
			pat.WriteString(s)
		} else if glob {
			pat.WriteString(escapeMeta(s))
		}
	}
	// apart adds words as separate fields, the first joined to what comes
	// before, the last to what comes after.
	apart := func(words []string) {
		glob = false
		for i, a := range words {
			if i > 0 {
				fields = append(fields, cur.String())
				cur = piece{}
			}
			cur.add(a)
			have = true
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
				apart(sh.Args)
				continue
			}
			v, ok := x.lookup(p.Text)
			if !ok {
				v = sh.param(p.Text)
			}
			add(v, false)
			have = have || p.Quoted || v != ""
		case Subst:
			out, status, err := sh.substitute(p.Text, x)
			if err != nil {
				return nil, err
			}
			if x != nil {
				x.subst = status
			}
			if p.Quoted || !split {
				add(out, false)
				have = have || p.Quoted || out != ""
				continue
			}
			switch words := strings.Fields(out); {
			case len(words) == 1: // the word may still be a pattern
				add(words[0], false)
				have = true
			case len(words) > 1:
				apart(words)
			}
		}
	}
	if glob {
		if paths := sh.glob(pat.String()); len(paths) > 0 {
			return paths, nil
		}
	}
	if have {
		fields = append(fields, cur.String())
	}
	return fields, nil
}

// piece is a field being put together. While it is one string (a word
// that is all one $(...) or $VAR), that string is the field, uncopied: a
// $(...)'s output can be hundreds of megabytes.
type piece struct {
	one  string
	b    strings.Builder
	many bool
}

func (p *piece) add(s string) {
	switch {
	case s == "":
	case p.many:
		p.b.WriteString(s)
	case p.one == "":
		p.one = s
	default:
		p.b.WriteString(p.one)
		p.b.WriteString(s)
		p.many = true
	}
}

func (p *piece) String() string {
	if p.many {
		return p.b.String()
	}
	return p.one
}

// hasSubstIn reports whether w has a $(...).
func hasSubstIn(w *Word) bool {
	for _, p := range w.Parts {
		if p.Kind == Subst {
			return true
		}
	}
	return false
}

// hasSubst reports whether an and-or list has a $(...) anywhere.
func hasSubst(ao *AndOr) bool {
	var words []*Word
	for _, p := range ao.Pipes {
		for _, c := range p.Cmds {
			words = append(words, c.Words...)
			for _, a := range c.Assigns {
				words = append(words, a.Value)
			}
			for _, r := range c.Redirs {
				if r.Target != nil {
					words = append(words, r.Target)
				}
			}
		}
	}
	for _, w := range words {
		if hasSubstIn(w) {
			return true
		}
	}
	return false
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
func (sh *Shell) expandOne(w *Word, x *expansion) (string, error) {
	fs, err := sh.fields(w, !sh.NoGlob, true, x)
	if err != nil {
		return "", err
	}
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
