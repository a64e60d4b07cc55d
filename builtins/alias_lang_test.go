package builtins

import (
	"strings"
	"testing"
)

func TestAliasLang(t *testing.T) {
	runLangCases(t, []langCase{
		{"define and print", "alias ll='ls -l'\nalias ll", "ll='ls -l'\n", ""},
		{"not found", "alias foo\nalias foo=echo\nalias foo\nalias foo=\nalias foo", "? 1\nfoo='echo'\nfoo=''\n", "foo: not found"},
		{"listing sorted", "alias b=2 a='x y'\nalias", "a='x y'\nb='2'\n", ""},
		{"-p", "alias a=1\nalias -p\nalias -p a", "alias a='1'\nalias a='1'\n", ""},
		{"quote in value", "alias q=\"it's\"\nalias q", "q='it'\\''s'\n", ""},
		{"trailing blank kept", "alias s='sudo '\nalias s", "s='sudo '\n", ""},
		{"some missing", "alias a=1\nalias a b", "a='1'\n? 1\n", "b: not found"},
		{"bad name", "alias 'a b=c'", "? 1\n", "not an alias name"},
		{"unalias", "alias a=1 b=2\nunalias a\nalias", "b='2'\n", ""},
		{"unalias -a", "alias a=1 b=2\nunalias -a\nalias", "", ""},
		{"unalias missing", "unalias nosuch", "? 1\n", "nosuch: not found"},
		{"unalias none", "unalias", "? 2\n", "no alias named"},
		{"type sees aliases", "alias ll='ls -l'\ntype ll", "ll is an alias for ls -l\n", ""},
	}, nil)
}

func TestTrapLang(t *testing.T) {
	runLangCases(t, []langCase{
		{"set and list", "trap 'echo bye' EXIT\ntrap", "trap -- 'echo bye' EXIT\n", ""},
		{"-p", "trap 'echo x' INT\ntrap -p", "trap -- 'echo x' INT\n", ""},
		{"names", "trap a SIGTERM\ntrap b int\ntrap c 1\ntrap d 0\ntrap e ERR\ntrap", "trap -- 'e' ERR\ntrap -- 'd' EXIT\ntrap -- 'c' HUP\ntrap -- 'b' INT\ntrap -- 'a' TERM\n", ""},
		{"several conditions", "trap 'echo A' ERR EXIT\ntrap", "trap -- 'echo A' ERR\ntrap -- 'echo A' EXIT\n", ""},
		{"ignore", "trap '' INT TERM\ntrap", "trap -- '' INT\ntrap -- '' TERM\n", ""},
		{"reset with -", "trap 'echo x' EXIT\ntrap - EXIT\ntrap", "", ""},
		{"reset with dashdash -", "trap x INT\ntrap -- - INT\ntrap", "", ""},
		{"reset with a lone condition", "trap x INT\ntrap INT\ntrap", "", ""},
		{"reset with a number first", "trap x INT\ntrap y HUP\ntrap 1 INT\ntrap", "", ""},
		{"dashdash action", "trap -- 'echo -x' QUIT\ntrap", "trap -- 'echo -x' QUIT\n", ""},
		{"-p some", "trap a INT\ntrap b HUP\ntrap -p INT QUIT", "trap -- 'a' INT\n", ""},
		{"quote", "trap \"echo it's\" EXIT\ntrap -p EXIT", "trap -- 'echo it'\\''s' EXIT\n", ""},
		{"unknown condition", "trap 'foobar' UNKNOWN", "? 1\n", "UNKNOWN: not a condition"},
		{"unknown among others", "trap x BOGUS INT\ntrap", "? 1\ntrap -- 'x' INT\n", "BOGUS"},
		{"bad number", "trap x 99", "? 1\n", "99: not a condition"},
		{"-p unknown", "trap -p NOPE", "? 1\n", "NOPE"},
		{"bad option", "trap -z x INT", "? 2\n", "-z"},
	}, nil)

	f := newFakeLang()
	out, _ := f.script("trap -l")
	for _, want := range []string{" 1) SIGHUP\n", " 2) SIGINT\n", " 9) SIGKILL\n", "15) SIGTERM\n", "31) SIGSYS\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("trap -l lacks %q:\n%s", want, out)
		}
	}
}
