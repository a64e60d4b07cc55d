package lang

import (
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// mvdan.cc/sh v3.14.1's field splitting drops empty fields at IFS
// characters that are not blanks: with IFS=:, a::c gives a c, where POSIX
// (and dash, bash, ksh) give a, an empty field and c. When IFS has such a
// character, nsh splits the words that have unquoted expansions itself:
// each part is expanded once, the fields are cut as POSIX says, and each
// field goes back to the expander as quoted and unquoted text, for
// globbing only. Words with $@ or $* (whose elements split one by one)
// stay the expander's.

// splitsItself tells whether IFS has a character that is no blank.
func (sh *Shell) splitsItself() (ifs string, ok bool) {
	ifs, set := sh.varString("IFS")
	if !set {
		return "", false
	}
	return ifs, strings.Trim(ifs, " \t\n") != ""
}

// ownSplit tells whether nsh splits w itself.
func ownSplit(w *syntax.Word) bool {
	expands, ok := plainWord(w)
	return ok && expands
}

// plainWord tells whether w has only the parts nsh expands itself
// (literal text, quotes, expansions other than $@ and $*), and whether it
// has an unquoted expansion.
func plainWord(w *syntax.Word) (expands, ok bool) {
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit, *syntax.SglQuoted:
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if pe, ok := q.(*syntax.ParamExp); ok && listParam(pe) {
					return false, false
				}
			}
		case *syntax.ParamExp:
			if listParam(p) {
				return false, false
			}
			expands = true
		case *syntax.CmdSubst, *syntax.ArithmExp:
			expands = true
		default:
			return false, false
		}
	}
	return expands, true
}

func listParam(pe *syntax.ParamExp) bool {
	return pe.Param == nil || pe.Param.Value == "@" || pe.Param.Value == "*" || pe.Index != nil || pe.Names != 0
}

// piece is text of a field: quoted, literal text of the word (kept as
// written), or the value of an unquoted expansion.
type piece struct {
	text string
	kind int
}

const (
	quotedText = iota
	wordText
	valueText
)

// splitWord expands w's parts and cuts the fields, as POSIX's field
// splitting does, and gives them back as words for globbing.
func (sh *Shell) splitWord(w *syntax.Word, ifs string) ([]*syntax.Word, error) {
	fields, err := sh.splitPieces(w, ifs)
	if err != nil {
		return nil, err
	}
	words := make([]*syntax.Word, len(fields))
	for i, f := range fields {
		words[i] = fieldWord(f)
	}
	return words, nil
}

// splitPieces expands w's parts and cuts the fields, each as the pieces
// of text it is made of.
func (sh *Shell) splitPieces(w *syntax.Word, ifs string) ([][]piece, error) {
	isWS := func(r rune) bool { return (r == ' ' || r == '\t' || r == '\n') && strings.ContainsRune(ifs, r) }
	var (
		fields  [][]piece
		cur     []piece
		inField bool // the current field has begun
		wsEnded bool // a blank just ended a field: a ':' next joins it
	)
	emit := func() {
		fields = append(fields, cur)
		cur, inField = nil, false
	}
	for _, p := range w.Parts {
		var val string
		if l, ok := p.(*syntax.Lit); ok {
			cur, inField, wsEnded = append(cur, piece{l.Value, wordText}), true, false
			continue
		}
		val, err := expand.Literal(sh.expandCfg(), &syntax.Word{Parts: []syntax.WordPart{p}})
		if err != nil {
			return nil, err
		}
		switch p.(type) {
		case *syntax.SglQuoted, *syntax.DblQuoted:
			cur, inField, wsEnded = append(cur, piece{val, quotedText}), true, false
			continue
		}
		start := 0
		for i, r := range val {
			if !strings.ContainsRune(ifs, r) {
				continue
			}
			if i > start {
				cur, inField, wsEnded = append(cur, piece{val[start:i], valueText}), true, false
			}
			start = i + len(string(r))
			switch {
			case isWS(r):
				if inField {
					emit()
					wsEnded = true
				}
			case wsEnded:
				wsEnded = false
			default:
				emit()
			}
		}
		if start < len(val) {
			cur, inField, wsEnded = append(cur, piece{val[start:], valueText}), true, false
		}
	}
	if inField {
		emit()
	}
	return fields, nil
}

// fieldWord is a field as a word the expander only globs: a value's
// characters that a word would read otherwise (\, ~, braces) are quoted.
func fieldWord(ps []piece) *syntax.Word {
	w := &syntax.Word{}
	for _, p := range ps {
		switch p.kind {
		case wordText:
			w.Parts = append(w.Parts, &syntax.Lit{Value: p.text})
		case quotedText:
			w.Parts = append(w.Parts, &syntax.SglQuoted{Value: p.text})
		default:
			s := p.text
			for s != "" {
				i := strings.IndexAny(s, "\\~{},'\"$`")
				if i < 0 {
					w.Parts = append(w.Parts, &syntax.Lit{Value: s})
					break
				}
				if i > 0 {
					w.Parts = append(w.Parts, &syntax.Lit{Value: s[:i]})
				}
				w.Parts = append(w.Parts, &syntax.SglQuoted{Value: s[i : i+1]})
				s = s[i+1:]
			}
		}
	}
	if len(w.Parts) == 0 {
		w.Parts = []syntax.WordPart{&syntax.SglQuoted{}}
	}
	return w
}
