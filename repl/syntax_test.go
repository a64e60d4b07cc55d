package repl

import (
	"errors"
	"strings"
	"testing"
)

// show renders a parsed list compactly: and-or lists separated by " ;; ",
// with & marked, so the tests can compare structure as text.
func show(l List) string {
	var out []string
	for _, ao := range l {
		s := andOrText(ao)
		if ao.Background {
			s += " &"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ;; ")
}

func TestParse(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ns", "ns"},
		{"  ns  net ", "ns net"},
		{"a; b", "a ;; b"},
		{"a\nb\n\n", "a ;; b"},
		{"a && b || c", "a && b || c"},
		{"a | b | c", "a | b | c"},
		{"a &", "a &"},
		{"a & b", "a & ;; b"},
		{"a |\n b", "a | b"},
		{"a &&\n\n b", "a && b"},
		{"! grep x", "! grep x"},
		{"echo 'a b' \"c d\"", `echo "a b" "c d"`},
		{`echo a\ b`, `echo a" "b`},
		{"echo a#b # comment", `echo "a#b"`},
		{"# only a comment", ""},
		{"echo x \\\n y", "echo x y"},
		{"echo $A ${B}c $? $# $@ $1", "echo ${A} ${B}c ${?} ${#} ${@} ${1}"},
		{`echo "$A and $B"`, `echo ${A}" and "${B}`},
		{"echo '$A'", `echo "$A"`},
		{"echo a$", `echo "a$"`},
		{"echo ~ ~/x ~root a~", `echo ~ ~/x ~root "a~"`},
		{"ns --json > where.json", `ns --json >where.json`},
		{"a 2>&1 >>log <in 2>err", "a 2>&1 >>log <in 2>err"},
		{"a>f", "a >f"},
		{"a 2>f", "a 2>f"},
		{"a x2>f", "a x2 >f"},
		{"a '2'>f", `a "2" >f`},
		{"echo \"\"", `echo ""`},
		{"A=1 B=$X ip link", "A=1 B=${X} ip link"},
		{"for i in a $B; do echo $i; done", "for i in a ${B}; do echo ${i}; done"},
		{"for i\ndo\n\techo $i\n\tx | y\ndone; z", "for i; do echo ${i}; x | y; done ;; z"},
		{"for a in 1; do for b in 2; do echo; done; done", "for a in 1; do for b in 2; do echo; done; done"},
		{"echo for do done", "echo for do done"},
		{"if a; then b; fi", "if a; then b; fi"},
		{"if a\nthen\n b\nelif c; d\nthen e\nelse f; g\nfi; h", "if a; then b; elif c; d; then e; else f; g; fi ;; h"},
		{"while a | b; do c; done", "while a | b; do c; done"},
		{"until a; do if b; then break 2; fi; continue; done", "until a; do if b; then break 2; fi; continue; done"},
		{"echo if then fi while", "echo if then fi while"},
		{"! a && b", "! a && b"},
		{"echo $(date) x$(a | b \"c)\")y", `echo $(date) x$(a | b "c)")y`},
		{"echo \"$(echo $(echo ')'))\"", `echo $(echo $(echo ')'))`},
		{"echo $(echo a # comment )\n)", "echo $(echo a # comment )\n)"},
		{"A=1", "A=1"},
		{"A= env", "A= env"},
		{"A=1 >f", "A=1 >f"},
		{"P=~/a:~root/b:x~:~ Q=~", "P=~/a:~root/b:\"x~:\"~ Q=~"},
		{"env A=1", "env A=1"}, // an argument, after the command word
		{`"A=1" x`, `"A=1" x`}, // quoted: a command word
		{"1A=x y", "1A=x y"},   // not a name
	} {
		l, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := show(l); got != tc.want {
			t.Errorf("Parse(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseLines(t *testing.T) {
	l, err := Parse("a\n\nb 'x\ny'\nc \\\nd\ne")
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, ao := range l {
		lines = append(lines, ao.Line)
	}
	if want := []int{1, 3, 5, 7}; !equalInts(lines, want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseIncomplete(t *testing.T) {
	for _, in := range []string{
		"echo 'abc", `echo "abc`, `echo abc\`, "a |", "a &&", "a ||\n", "echo ${A",
		"a |\n\n",
		"echo $(date", `echo "$(date`, "echo $(a ')",
		"for i in a; do", "for i in a; do x\n", "for i", "for i in a b", "for i in a\ndo\nfor j; do x; done",
		"if a", "if a; then", "if a; then b", "if a; then b; else", "if a; then b; elif c", "while a", "until a; do b",
		"while a; do if b; then c; fi",
	} {
		_, err := Parse(in)
		if !errors.Is(err, ErrIncomplete) {
			t.Errorf("Parse(%q) = %v, want incomplete", in, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"|", `unexpected "|"`},
		{"| a", `unexpected "|"`},
		{"a | | b", `unexpected "|"`},
		{"a ;; b", `unexpected ";"`},
		{"; a", `unexpected ";"`},
		{"&& a", `unexpected "&&"`},
		{"a >", "> needs a file name"},
		{"a > | b", `unexpected "|"`},
		{"> f", "redirection without a command"},
		{"a 2>&x", "needs a file descriptor"},
		{"echo ${A-b}", "bad substitution"},
		{"echo $(| x)", `in $(...): unexpected "|"`},
		{"echo $((1+2))", "arithmetic"},
		{"done", `unexpected "done"`},
		{"for i in a; do echo; done &", "background"},
		{"for 1 in a; do x; done", "variable name"},
		{"for i in a; x; done", "needs do"},
		{"for i in a; do done", "nothing between"},
		{"for i in a; do x; done | y", `unexpected "|"`},
		{"if a; then b; fi &", "background"},
		{"if a; then b; fi > out", "takes no redirections"},
		{"while a; do b; done < in", "takes no redirections"},
		{"if then b; fi", "nothing after if"},
		{"if a; then fi", "nothing after then"},
		{"if a; then b; else fi", "nothing after else"},
		{"while a; do done", "nothing after do"},
		{"true && if a; then b; fi", "if is a command of its own"},
		{"! while a; do b; done", "while is a command of its own"},
		{"a | until b; do c; done", "until is a command of its own"},
		{"then", `unexpected "then"`},
		{"fi", `unexpected "fi"`},
		{"if a; then b; done", `unexpected "done"`},
		{"while a; do b; fi", `unexpected "fi"`},
		{"echo $(a\n| |)", "in $(...)"},
		{"echo `date`", "not supported"},
		{"echo \"x`date`y\"", "not supported"},
		{`echo $'a\tb'`, "$'...' quoting is not supported"},
		{`echo $"a"`, `$"..." quoting is not supported`},
		{`echo "$-"`, "$- is not supported"},
		{"cat <<EOF", "here-documents"},
		{"cat 0<>f", "<> is not supported"},
	} {
		_, err := Parse(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want a syntax error with %q", tc.in, err, tc.want)
		}
	}
}

func TestParseErrorLine(t *testing.T) {
	_, err := Parse("a\nb\nc | | d\n")
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 3 {
		t.Fatalf("got %v, want a syntax error on line 3", err)
	}
}

func TestOneLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ip -o link |\n  wc -l", "ip -o link |   wc -l"},
		{"echo a\\\nb", "echo ab"},
		{"false ||\necho x", "false || echo x"},
		{"echo 'a\nb'", "echo 'a\nb'"}, // a newline in quotes stays
		{"for i in 1 2\ndo\n  echo $i\n  true\ndone", "for i in 1 2; do   echo $i;   true; done"},
		{"for i in 1 2; do\necho $i\ndone", "for i in 1 2; do echo $i; done"},
		{"for i in a b; do # c\n  echo $i &\ndone", "for i in a b; do echo ${i} & done"},
		{"echo a # c\necho b &\necho c", "echo a; echo b & echo c"},
		{"if a\nthen\n  b\nelse\n  c\nfi", "if a; then   b; else   c; fi"},
		{"while a; do\nb\ndone", "while a; do b; done"},
	} {
		if got := oneLine(tc.in); got != tc.want {
			t.Errorf("oneLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
