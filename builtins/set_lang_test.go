package builtins

import "testing"

func TestSetLang(t *testing.T) {
	runLangCases(t, []langCase{
		{"positional", "set a b c\nparams", "3 a b c\n", ""},
		{"dashdash", "set -- -a b\nparams", "2 -a b\n", ""},
		{"dashdash empties", "set a b\nset --\nparams", "0 \n", ""},
		{"empty words count", "set '' ''\nparams", "2  \n", ""},
		{"assignment is a word", "set NAME=VALUE\nparams\nshow NAME", "1 NAME=VALUE\nNAME unset\n", ""},
		{"options then params", "set -e a b\nparams", "2 a b\n", ""},
		{"options only keep params", "set a\nset -e\nparams", "1 a\n", ""},
		{"params after an operand are words", "set a -e\nparams", "2 a -e\n", ""},
		{"dash ends options", "set - -x y\nparams", "2 -x y\n", ""},
		{"dash alone keeps params", "set a\nset -\nparams", "1 a\n", ""},
		{"plus alone", "set + a b\nparams", "2 a b\n", ""},
		{"bad letter", "set -U", "? 2\n", "-U"},
		{"bad name", "set -o foobar", "? 2\n", "foobar"},
		{"o without a name lists", "set -o", "allexport       off\nerrexit         off\nnoclobber       off\nnoexec          off\nnoglob          off\nnounset         off\npipefail        off\nverbose         off\nxtrace          off\n", ""},
		{"+o lists as commands", "set -eo pipefail\nset +o", "set +o allexport\nset -o errexit\nset +o noclobber\nset +o noexec\nset +o noglob\nset +o nounset\nset -o pipefail\nset +o verbose\nset +o xtrace\n", ""},
		{"dashdash after o", "set -o errexit -- x\nparams", "1 x\n", ""},
	}, nil)

	f := newFakeLang()
	f.script("set -aCefnuvx")
	for c := range fakeLetters {
		if !f.opts[c] {
			t.Errorf("set -aCefnuvx: -%c is off", c)
		}
	}
	f.script("set +aC -k +o noexec")
	if f.opts['a'] || f.opts['C'] || f.opts['e'] || f.opts['n'] || !f.opts['u'] {
		t.Errorf("set +aC -k +o noexec: %v", f.opts)
	}
	f.script("set -x -v\nset - a")
	if f.opts['x'] || f.opts['v'] {
		t.Errorf("set - leaves -x -v on")
	}
	f.script("set +k")
	if !f.opts['e'] {
		t.Errorf("set +k is not set -e")
	}
}

func TestSetListing(t *testing.T) {
	f := newFakeLang()
	out, _ := f.script("assign B 'two words'\nassign A plain\nassign Q \"it's\"\nassign E ''\nexport X\nassign G *\nset")
	want := "A=plain\nB='two words'\nE=''\nG='*'\nOPTIND=1\nQ='it'\\''s'\n"
	if out != want {
		t.Errorf("set listing:\n%s\nwant:\n%s", out, want)
	}
}
