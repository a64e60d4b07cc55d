package builtins

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/nsh-dev/nsh/command"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/pattern"
	"mvdan.cc/sh/v3/syntax"
)

// EvalTest evaluates bash's [[ X ]] with test's primaries (files as the
// context sees them). word expands a word to one string, without field
// splitting or globbing; with pattern set (the right of == and !=) its
// quoted parts are to match themselves, as expand.Pattern does. arith
// turns the operands of -eq, -ne, -lt, -le, -gt and -ge into numbers:
// ArithFunc(cfg) evaluates them as arithmetic expressions, as bash does;
// nil takes decimal integers only, as test does. =~ matches a regular
// expression (quoted parts of it match themselves) and sets BASH_REMATCH
// to the matched text ("" if none). && binds tighter than ||, and ! only
// to the term after it. An error from word or arith is returned as it is;
// a malformed regular expression or integer is a *command.StatusError with Code 2.
func EvalTest(env *command.Env, x syntax.TestExpr, word func(w *syntax.Word, pattern bool) (string, error), arith func(expr string) (int, error)) (bool, error) {
	c := &cond{t: &tester{env: env, arith: arith}, word: word}
	return c.eval(x)
}

// ArithFunc is EvalTest's arith: s parsed as $(( s )) and evaluated with
// cfg (its variables; a name stands for its value). An empty s is 0.
func ArithFunc(cfg *expand.Config) func(s string) (int, error) {
	return func(s string) (int, error) {
		x, err := syntax.NewParser().Arithmetic(strings.NewReader(s))
		if err != nil || x == nil {
			return 0, err
		}
		return expand.Arithm(cfg, x)
	}
}

type cond struct {
	t    *tester
	word func(*syntax.Word, bool) (string, error)
}

func (c *cond) eval(x syntax.TestExpr) (bool, error) {
	if isLogic(x) {
		return c.logic(x)
	}
	switch x := x.(type) {
	case *syntax.Word:
		s, err := c.word(x, false)
		return s != "", err
	case *syntax.ParenTest:
		return c.eval(x.X)
	case *syntax.UnaryTest:
		if x.Op == syntax.TsNot {
			v, err := c.eval(x.X)
			return !v, err
		}
		s, err := c.operand(x.X, false)
		if err != nil {
			return false, err
		}
		return c.t.unary(x.Op, s)
	case *syntax.BinaryTest:
		l, err := c.operand(x.X, false)
		if err != nil {
			return false, err
		}
		switch x.Op {
		case syntax.TsMatch, syntax.TsMatchShort, syntax.TsNoMatch:
			pat, err := c.operand(x.Y, true)
			if err != nil {
				return false, err
			}
			m, err := matchPattern(pat, l)
			return m == (x.Op != syntax.TsNoMatch), err
		case syntax.TsReMatch:
			return c.regexMatch(l, x.Y)
		}
		r, err := c.operand(x.Y, false)
		if err != nil {
			return false, err
		}
		return c.t.binary(x.Op, l, r)
	}
	return false, fmt.Errorf("[[ ]]: unexpected %T", x)
}

func (c *cond) operand(x syntax.TestExpr, pattern bool) (string, error) {
	w, ok := x.(*syntax.Word)
	if !ok {
		return "", fmt.Errorf("[[ ]]: a word was expected, not %T", x)
	}
	return c.word(w, pattern)
}

// isLogic is a chain of && and ||, perhaps after !.
func isLogic(x syntax.TestExpr) bool {
	switch x := x.(type) {
	case *syntax.BinaryTest:
		return x.Op == syntax.AndTest || x.Op == syntax.OrTest
	case *syntax.UnaryTest:
		return x.Op == syntax.TsNot && isLogic(x.X)
	}
	return false
}

// logic evaluates a chain of && and || left to right, skipping what
// cannot change the result. mvdan.cc/sh's parser nests a chain to the
// right whatever its operators, and puts a leading ! over all of it:
// [[ ! a && b || c ]] comes as !(a && (b || c)). So the chain is
// flattened, ! given back to its first term, and && made to bind
// tighter, as bash has them.
func (c *cond) logic(x syntax.TestExpr) (bool, error) {
	var terms []syntax.TestExpr
	var ops []syntax.BinTestOperator
	var flat func(x syntax.TestExpr)
	flat = func(x syntax.TestExpr) {
		switch y := x.(type) {
		case *syntax.BinaryTest:
			if isLogic(y) {
				flat(y.X)
				ops = append(ops, y.Op)
				flat(y.Y)
				return
			}
		case *syntax.UnaryTest:
			if isLogic(y) {
				first := len(terms)
				flat(y.X)
				terms[first] = &syntax.UnaryTest{Op: syntax.TsNot, X: terms[first]}
				return
			}
		}
		terms = append(terms, x)
	}
	flat(x)
	// Runs of && between ||: the first run that holds makes it true.
	for i := 0; i < len(terms); {
		v := true
		for {
			if v {
				var err error
				if v, err = c.eval(terms[i]); err != nil {
					return false, err
				}
			}
			i++
			if i == len(terms) || ops[i-1] == syntax.OrTest {
				break
			}
		}
		if v {
			return true, nil
		}
	}
	return false, nil
}

// regexMatch is =~. Quoting in the regular expression quotes: "a.b" and
// a\.b match a dot only, as in bash.
func (c *cond) regexMatch(s string, y syntax.TestExpr) (bool, error) {
	w, ok := y.(*syntax.Word)
	if !ok {
		return false, fmt.Errorf("[[ ]]: a regular expression was expected")
	}
	var rx strings.Builder
	for _, part := range w.Parts {
		lit, ok := part.(*syntax.Lit)
		if ok {
			v := lit.Value
			for i := 0; i < len(v); i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
					rx.WriteString(regexp.QuoteMeta(v[i : i+1]))
				} else {
					rx.WriteByte(v[i])
				}
			}
			continue
		}
		str, err := c.word(&syntax.Word{Parts: []syntax.WordPart{part}}, false)
		if err != nil {
			return false, err
		}
		switch part.(type) {
		case *syntax.SglQuoted, *syntax.DblQuoted:
			str = regexp.QuoteMeta(str)
		}
		rx.WriteString(str)
	}
	re, err := compileCached(rx.String(), true)
	if err != nil {
		return false, &command.StatusError{Code: 2, Err: fmt.Errorf("%s: %v", rx.String(), err)}
	}
	loc := re.FindStringIndex(s)
	if l, err := langOf(c.t.env); err == nil {
		m := ""
		if loc != nil {
			m = s[loc[0]:loc[1]]
		}
		l.Assign("BASH_REMATCH", m) // a read-only one stays, as in bash
	}
	return loc != nil, nil
}

// matchPattern matches s against a shell pattern as [[ s == pat ]] does
// (extended patterns on; * matches newlines too).
func matchPattern(pat, s string) (bool, error) {
	rx, err := pattern.Regexp(pat, pattern.EntireString|pattern.ExtendedOperators)
	if err != nil {
		return false, &command.StatusError{Code: 2, Err: fmt.Errorf("%s: %v", pat, err)}
	}
	re, err := compileCached(rx, false)
	if err != nil {
		return false, &command.StatusError{Code: 2, Err: fmt.Errorf("%s: %v", pat, err)}
	}
	return re.MatchString(s), nil
}

// The regular expressions of [[ ]] in a loop are compiled once.
var (
	rxMu    sync.Mutex
	rxCache = map[string]*regexp.Regexp{}
)

// compileCached compiles rx; longest is POSIX's leftmost-longest match
// (=~), else Go's (patterns, which are anchored).
func compileCached(rx string, longest bool) (*regexp.Regexp, error) {
	key := fmt.Sprint(longest, rx)
	rxMu.Lock()
	defer rxMu.Unlock()
	if re := rxCache[key]; re != nil {
		return re, nil
	}
	re, err := regexp.Compile(rx)
	if err != nil {
		return nil, err
	}
	if longest {
		re.Longest()
	}
	if len(rxCache) > 500 {
		clear(rxCache)
	}
	rxCache[key] = re
	return re, nil
}
