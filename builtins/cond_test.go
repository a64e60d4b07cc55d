package builtins_test

import (
	"strings"
	"testing"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/command"
)

// The variables the [[ ]] cases see.
var condVars = []string{"x=3", "re=a.b", "pat=*b*", "ml=multi\nline", "sp= 1 "}

// condCases are bash's [[ ]] with the status bash 5.2 gives them (in
// testFiles' directory, with condVars).
var condCases = []struct {
	src    string
	status int
}{
	{"[[ a ]]", 0},
	{"[[ '' ]]", 1},
	{"[[ -n $x ]]", 0},
	{"[[ -z $x ]]", 1},
	{"[[ -z $nosuch ]]", 0},
	{"[[ $nosuch ]]", 1},
	// Patterns on the right of == and !=, unless quoted.
	{"[[ abc == *b* ]]", 0},
	{"[[ abc = *b* ]]", 0},
	{"[[ abc != *b* ]]", 1},
	{"[[ *b = '*b' ]]", 0},
	{"[[ *b == *b ]]", 0},
	{"[[ ab == a. ]]", 1},
	{"[[ ab == a? ]]", 0},
	{"[[ abc == $pat ]]", 0},
	{`[[ abc == "$pat" ]]`, 1},
	{`[[ '*b*' == "$pat" ]]`, 0},
	{`[[ abc == \a\bc ]]`, 0},
	{"[[ abc != *b'*' ]]", 0},
	{"[[ ab* == *b'*' ]]", 0},
	{"[[ a == [ab ]]", 1},
	{"[[ a == [ab] ]]", 0},
	{"[[ c == [!ab] ]]", 0},
	{"[[ fo~ == 'fo~' ]]", 0},
	{`[[ 'ab\c' == *\\* ]]`, 0},
	{"[[ foo/bar == foo* ]]", 0},
	{"[[ $ml == multi*line ]]", 0},
	{"[[ $ml == line ]]", 1},
	{"[[ b == @(a|b) ]]", 0},
	{"[[ c == @(a|b) ]]", 1},
	// Regular expressions; quoted parts match themselves.
	{"[[ a =~ b ]]", 1},
	{"[[ foo =~ foo && foo =~ .* && foo =~ f.o ]]", 0},
	{"[[ foo =~ oo ]]", 0},
	{"[[ foo =~ ^oo$ ]]", 1},
	{"[[ foo =~ ^f(o|x)+$ ]]", 0},
	{"[[ 123 =~ ^[0-9]+$ ]]", 0},
	{"[[ 12a =~ ^[[:digit:]]+$ ]]", 1},
	{"[[ axb =~ a.b ]]", 0},
	{`[[ axb =~ "a.b" ]]`, 1},
	{`[[ a.b =~ "a.b" ]]`, 0},
	{"[[ axb =~ 'a.b' ]]", 1},
	{`[[ axb =~ a\.b ]]`, 1},
	{`[[ a.b =~ a\.b ]]`, 0},
	{"[[ axb =~ $re ]]", 0},
	{`[[ axb =~ "$re" ]]`, 1},
	{`[[ xa.b =~ x"$re"$ ]]`, 0},
	{"[[ a =~ [ ]]", 2},
	// Strings in byte order.
	{"[[ a < b ]]", 0},
	{"[[ b < a ]]", 1},
	{"[[ a > b ]]", 1},
	{"[[ 10 < 9 ]]", 0},
	// Arithmetic on both sides of -eq and the like.
	{"[[ 1+1 -eq 2 ]]", 0},
	{"[[ x -eq 3 ]]", 0},
	{"[[ $x -eq 3 ]]", 0},
	{"[[ x*2 -gt 5 ]]", 0},
	{"[[ nosuch -eq 0 ]]", 0},
	{`[[ "" -eq 0 ]]`, 0},
	{`[[ $sp -eq 1 ]]`, 0},
	{"[[ 0x10 -eq 16 ]]", 0},
	{"[[ 010 -eq 8 ]]", 0},
	{"[[ 1000000000123 -lt 100 ]]", 1},
	{"[[ 1000000000123 -eq 1000000000456 ]]", 1},
	{"[[ 3 -ne 4 ]]", 0},
	{"[[ 3 -le 3 && 3 -ge 3 && 2 -lt 3 ]]", 0},
	{"[[ 1+ -eq 1 ]]", 1},
	// && before ||, ! on the term after it, parentheses.
	{"[[ a == x && b == x || c == c ]]", 0},
	{"[[ a == a || b == x && c == x ]]", 0},
	{"[[ (a == x && b == x) || c == c ]]", 0},
	{"[[ a == x && (b == x || c == c) ]]", 1},
	{"[[ ! a && '' ]]", 1},
	{"[[ ! '' || x && '' ]]", 0},
	{"[[ ! a == b && c == c ]]", 0},
	{"[[ ! ! a ]]", 0},
	{"[[ ! ( a || b ) ]]", 1},
	{"[[ '' || '' || a ]]", 0},
	{"[[ a && a && '' ]]", 1},
	{"[[ -z 'foo' || -n '' ]]", 1},
	{"[[ -z '' && -n 'foo' ]]", 0},
	// Files, variables, options.
	{"[[ -e file ]]", 0},
	{"[[ -e none ]]", 1},
	{"[[ -d dir && -f file && -L link && -p fifo ]]", 0},
	{"[[ -d file || -f dir ]]", 1},
	{"[[ new -nt old ]]", 0},
	{"[[ old -nt new || old -ot none ]]", 1},
	{"[[ file -ef hard ]]", 0},
	{"[[ -x exe && ! -x file ]]", 0},
	{"[[ -v x && ! -v nosuch ]]", 0},
	{"[[ -o errexit ]]", 0},
	{"[[ -o noglob ]]", 1},
	{"[[ -t 1234 ]]", 1},
}

func condEval(t *testing.T, env *command.Env, cfg *expand.Config, src string, count *int) (bool, error) {
	t.Helper()
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	word := func(w *syntax.Word, pattern bool) (string, error) {
		*count++
		if pattern {
			return expand.Pattern(cfg, w)
		}
		return expand.Literal(cfg, w)
	}
	return builtins.EvalTest(env, f.Stmts[0].Cmd.(*syntax.TestClause).X, word, builtins.ArithFunc(cfg))
}

func TestEvalTest(t *testing.T) {
	ctx := utilCtx(t)
	testFiles(t, ctx)
	sh := newUtilShell()
	for _, kv := range condVars {
		k, v, _ := strings.Cut(kv, "=")
		sh.vars[k] = v
	}
	sh.opts["errexit"] = true
	cfg := &expand.Config{Env: expand.ListEnviron(condVars...)}
	env := &command.Env{Ctx: ctx, Shell: sh}
	for _, tc := range condCases {
		n := 0
		v, err := condEval(t, env, cfg, tc.src, &n)
		st := command.Status(err)
		if err == nil && !v {
			st = 1
		}
		if st != tc.status {
			t.Errorf("%s: status %d (%v), want %d", tc.src, st, err, tc.status)
		}
	}
}

// =~ leaves the match in BASH_REMATCH; && and || expand only what they
// need.
func TestEvalTestEffects(t *testing.T) {
	ctx := builtins.FakeCtx(t)
	sh := newUtilShell()
	cfg := &expand.Config{Env: expand.ListEnviron()}
	env := &command.Env{Ctx: ctx, Shell: sh}
	n := 0
	for src, want := range map[string]string{
		"[[ a__b__c =~ _*(b_*) ]]": "__b__",
		"[[ foo =~ o+ ]]":          "oo",
		"[[ foo =~ x ]]":           "",
	} {
		if _, err := condEval(t, env, cfg, src, &n); err != nil {
			t.Fatal(err)
		}
		if got := sh.vars["BASH_REMATCH"]; got != want {
			t.Errorf("%s: BASH_REMATCH %q, want %q", src, got, want)
		}
	}
	for src, words := range map[string]int{
		"[[ '' && a ]]":             1,
		"[[ a || b ]]":              1,
		"[[ '' && a || b ]]":        2,
		"[[ a && '' || '' && b ]]":  3,
		"[[ ! a && b ]]":            1,
		"[[ a == x && b == b ]]":    2,
		"[[ a == a || b == b ]]":    2,
		"[[ (a || b) && '' || c ]]": 3,
	} {
		n = 0
		if _, err := condEval(t, env, cfg, src, &n); err != nil || n != words {
			t.Errorf("%s: %d words expanded (%v), want %d", src, n, err, words)
		}
	}
}
