package lang

import (
	"slices"
	"strings"
	"unicode/utf8"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// mvdan.cc/sh v3.14.1's expander gets the word of ${x-w}, ${x+w} and the
// pattern of ${x#p} wrong in three ways: it expands w to a string and then
// splits it whole (so echo ${x:+'a  b'} loses a blank), it takes single
// quotes in w for quotes inside "..." and here-documents (where POSIX reads
// them as plain characters: "${x:+'$y'}" is 'VALUE'), and it matches the
// quoted characters of a pattern as pattern (${x%2'*'}). Rather than fork
// the expander, nsh rewrites such a word before handing it over: the
// chosen branch of ${x-w} and ${x+w} is spliced into the word around it,
// where the expander splits and quotes its parts as it does everywhere, and
// a pattern with quoted parts is expanded here, into one escaped literal.

// plainLineno is the name the rewrite gives an unset (ordinary) LINENO.
const plainLineno = "LINENO\x00"

type quoteCtx int

const (
	unquoted quoteCtx = iota
	inDouble
	inHeredoc
)

// fixWord returns w, or a rewritten copy of it (w itself is never
// changed: a function's body is expanded again at each call).
func (sh *Shell) fixWord(w *syntax.Word, q quoteCtx) (*syntax.Word, error) {
	if w == nil || !sh.needsFix(w.Parts) {
		return w, nil
	}
	parts, err := sh.fixParts(w.Parts, q)
	if err != nil {
		return nil, err
	}
	return &syntax.Word{Parts: parts}, nil
}

// needsFix tells whether a word has a ${x OP w} the rewrite concerns.
func (sh *Shell) needsFix(parts []syntax.WordPart) bool {
	for _, p := range parts {
		switch p := p.(type) {
		case *syntax.DblQuoted:
			if sh.needsFix(p.Parts) {
				return true
			}
		case *syntax.ParamExp:
			if p.Exp != nil && plainParam(p) || sh.linenoPlain && p.Param != nil && p.Param.Value == "LINENO" {
				return true
			}
		}
	}
	return false
}

// plainParam is ${NAME OP WORD} with nothing else (no ${#x}, ${!x}, index).
func plainParam(pe *syntax.ParamExp) bool {
	return pe.Param != nil && !pe.Excl && !pe.Length && !pe.Width && pe.Index == nil &&
		pe.Slice == nil && pe.Repl == nil && pe.Names == 0 && pe.Flags == nil &&
		pe.NestedParam == nil && len(pe.Modifiers) == 0
}

func (sh *Shell) fixParts(parts []syntax.WordPart, q quoteCtx) ([]syntax.WordPart, error) {
	out := make([]syntax.WordPart, 0, len(parts))
	for _, p := range parts {
		switch p := p.(type) {
		case *syntax.DblQuoted:
			inner, err := sh.fixParts(p.Parts, inDouble)
			if err != nil {
				return nil, err
			}
			dq := *p
			dq.Parts = inner
			if len(inner) == 1 && (len(p.Parts) != 1 || inner[0] != p.Parts[0]) && len(sh.params) == 0 {
				// "${x-$@}" is one field when there are no
				// parameters, as in bash and ksh: not "$@"'s none.
				dq.Parts = append(inner, &syntax.Lit{})
			}
			out = append(out, &dq)
		case *syntax.ParamExp:
			if sh.linenoPlain && p.Param != nil && p.Param.Value == "LINENO" {
				// The expander answers $LINENO itself: ask env under
				// another name.
				c := *p
				c.Param = &syntax.Lit{ValuePos: p.Param.ValuePos, ValueEnd: p.Param.ValueEnd, Value: plainLineno}
				p = &c
			}
			if p.Exp == nil || !plainParam(p) {
				out = append(out, p)
				continue
			}
			more, err := sh.fixParam(p, q)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		default:
			out = append(out, p)
		}
	}
	return out, nil
}

// fixParam gives the parts that stand for ${x OP w} in context q.
func (sh *Shell) fixParam(pe *syntax.ParamExp, q quoteCtx) ([]syntax.WordPart, error) {
	op := pe.Exp.Op
	switch op {
	case syntax.DefaultUnset, syntax.DefaultUnsetOrNull, syntax.AlternateUnset, syntax.AlternateUnsetOrNull:
		set, null := sh.paramState(pe.Param.Value)
		var word bool // whether w is the expansion
		switch op {
		case syntax.DefaultUnset:
			word = !set
		case syntax.DefaultUnsetOrNull:
			word = !set || null
		case syntax.AlternateUnset:
			word = set
		case syntax.AlternateUnsetOrNull:
			word = set && !null
		}
		if !word {
			if op == syntax.AlternateUnset || op == syntax.AlternateUnsetOrNull {
				return nil, nil // the empty string
			}
			bare := *pe
			bare.Exp = nil
			return []syntax.WordPart{&bare}, nil
		}
		if pe.Exp.Word == nil {
			return nil, nil
		}
		return sh.spliced(pe.Exp.Word.Parts, q)
	case syntax.RemSmallPrefix, syntax.RemLargePrefix, syntax.RemSmallSuffix, syntax.RemLargeSuffix:
		if pe.Exp.Word == nil || !hasQuotes(pe.Exp.Word.Parts) && !hasBracket(pe.Exp.Word.Parts) {
			return []syntax.WordPart{pe}, nil
		}
		if vr := (env{sh}).Get(pe.Param.Value); vr.Kind == expand.String || !vr.IsSet() && !sh.opts.nounset {
			// nsh's patterns (pattern.go), the value cut here.
			pat, err := sh.patternOf(pe.Exp.Word)
			if err != nil {
				return nil, err
			}
			return cutPattern(vr.String(), pat, op, q), nil
		}
		// Quotes in a pattern quote, inside "..." too.
		w, err := sh.fixWord(pe.Exp.Word, unquoted)
		if err != nil {
			return nil, err
		}
		pat, err := expand.Pattern(sh.expandCfg(), w)
		if err != nil {
			return nil, err
		}
		c := *pe
		c.Exp = &syntax.Expansion{Op: op, Word: &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{Value: pat}}}}
		return []syntax.WordPart{&c}, nil
	}
	// ${x=w}, ${x?w}: the expander's, with w read as the context reads it.
	if pe.Exp.Word == nil {
		return []syntax.WordPart{pe}, nil
	}
	var parts []syntax.WordPart
	if q == unquoted {
		// The expander keeps the \ of \( in w: quote the character instead.
		if !escapes(pe.Exp.Word.Parts) {
			return []syntax.WordPart{pe}, nil
		}
		for _, p := range pe.Exp.Word.Parts {
			l, ok := p.(*syntax.Lit)
			if !ok {
				parts = append(parts, p)
				continue
			}
			s := l.Value
			for {
				i := strings.IndexByte(s, '\\')
				if i < 0 || i == len(s)-1 {
					break
				}
				_, size := utf8.DecodeRuneInString(s[i+1:])
				parts = append(parts, &syntax.Lit{Value: s[:i]}, &syntax.SglQuoted{Value: s[i+1 : i+1+size]})
				s = s[i+1+size:]
			}
			parts = append(parts, &syntax.Lit{Value: s})
		}
	} else {
		var err error
		if parts, err = sh.spliced(pe.Exp.Word.Parts, q); err != nil {
			return nil, err
		}
	}
	c := *pe
	c.Exp = &syntax.Expansion{Op: op, Word: &syntax.Word{Parts: parts}}
	return []syntax.WordPart{&c}, nil
}

func escapes(parts []syntax.WordPart) bool {
	for _, p := range parts {
		if l, ok := p.(*syntax.Lit); ok && strings.Contains(l.Value, `\`) {
			return true
		}
	}
	return false
}

// hasBracket tells whether a pattern's text may have a bracket
// expression, which nsh reads itself.
func hasBracket(parts []syntax.WordPart) bool {
	for _, p := range parts {
		if l, ok := p.(*syntax.Lit); ok && strings.IndexByte(l.Value, '[') >= 0 {
			return true
		}
	}
	return false
}

// cutPattern is ${x#pat} (or ##, %, %%) of the value v, as the parts that
// stand for it in context q: unquoted, a value that is split and globbed.
func cutPattern(v, pat string, op syntax.ParExpOperator, q quoteCtx) []syntax.WordPart {
	m := compilePattern(pat)
	// The places a cut may be at, shortest match first.
	var cuts []int
	for i := range v {
		cuts = append(cuts, i)
	}
	cuts = append(cuts, len(v))
	suffix := op == syntax.RemSmallSuffix || op == syntax.RemLargeSuffix
	if suffix {
		slices.Reverse(cuts)
	}
	if op == syntax.RemLargePrefix || op == syntax.RemLargeSuffix {
		slices.Reverse(cuts)
	}
	for _, i := range cuts {
		if suffix && m.match(v[i:]) {
			v = v[:i]
			break
		}
		if !suffix && m.match(v[:i]) {
			v = v[i:]
			break
		}
	}
	if v == "" {
		return nil
	}
	if q != unquoted {
		return []syntax.WordPart{&syntax.SglQuoted{Value: v}}
	}
	// Unquoted: a value that is split and globbed, as the expander gives
	// ${-+'TEXT'} ($- is always set).
	return []syntax.WordPart{&syntax.ParamExp{Param: &syntax.Lit{Value: "-"},
		Exp: &syntax.Expansion{Op: syntax.AlternateUnset, Word: &syntax.Word{Parts: []syntax.WordPart{&syntax.SglQuoted{Value: v}}}}}}
}

func hasQuotes(parts []syntax.WordPart) bool {
	for _, p := range parts {
		switch p.(type) {
		case *syntax.SglQuoted, *syntax.DblQuoted:
			return true
		}
	}
	return false
}

// spliced is w's parts as they stand in context q: inside "..." or a
// here-document, single quotes are characters and what is between them
// is read as inside double quotes; \} is }.
func (sh *Shell) spliced(parts []syntax.WordPart, q quoteCtx) ([]syntax.WordPart, error) {
	if q == unquoted {
		parts, err := sh.fixParts(parts, q)
		if err != nil {
			return nil, err
		}
		// The literal text of an unquoted ${x-w} is split, as the
		// expansion's value: have the expander split it, as the value
		// of ${-+TEXT} ($- is always set).
		ifs, ok := sh.varString("IFS")
		if !ok {
			ifs = " \t\n"
		}
		for i, p := range parts {
			if l, ok := p.(*syntax.Lit); ok && ifs != "" && strings.ContainsAny(l.Value, ifs) && !strings.Contains(l.Value, `\`) {
				parts[i] = &syntax.ParamExp{Dollar: l.ValuePos, Rbrace: l.ValueEnd, Param: &syntax.Lit{Value: "-"},
					Exp: &syntax.Expansion{Op: syntax.AlternateUnset, Word: &syntax.Word{Parts: []syntax.WordPart{l}}}}
			}
		}
		return parts, nil
	}
	var out []syntax.WordPart
	for _, p := range parts {
		switch p := p.(type) {
		case *syntax.SglQuoted:
			if p.Dollar {
				out = append(out, p)
				continue
			}
			out = append(out, &syntax.Lit{Value: "'"})
			doc, err := newParser().Document(strings.NewReader(p.Value))
			if err != nil {
				out = append(out, &syntax.Lit{Value: p.Value})
			} else {
				more, err := sh.fixParts(doc.Parts, q)
				if err != nil {
					return nil, err
				}
				out = append(out, more...)
			}
			out = append(out, &syntax.Lit{Value: "'"})
		case *syntax.DblQuoted:
			more, err := sh.fixParts(p.Parts, q)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		case *syntax.Lit:
			if strings.Contains(p.Value, `\}`) {
				out = append(out, &syntax.Lit{ValuePos: p.ValuePos, ValueEnd: p.ValueEnd, Value: strings.ReplaceAll(p.Value, `\}`, "}")})
				continue
			}
			out = append(out, p)
		default:
			more, err := sh.fixParts([]syntax.WordPart{p}, q)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
	}
	return out, nil
}

// paramState tells whether a parameter is set, and whether it is null.
// $@ and $* are set when there are positional parameters.
func (sh *Shell) paramState(name string) (set, null bool) {
	if name == "@" || name == "*" {
		// Null when joined: $* joins with IFS's first character.
		sep := " "
		if ifs, ok := sh.varString("IFS"); ok && name == "*" {
			sep = ifs[:min(1, len(ifs))]
		}
		return len(sh.params) > 0, strings.Join(sh.params, sep) == ""
	}
	vr := env{sh}.Get(name)
	return vr.IsSet(), vr.String() == ""
}
