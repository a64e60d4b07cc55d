package repl

import (
	"reflect"
	"testing"
)

func TestExpand(t *testing.T) {
	sh := &Shell{vars: map[string]*variable{}, Name: "script", Args: []string{"one", "two words"}}
	sh.last.Store(3)
	sh.SetVar("A", "x y", false)
	sh.SetVar("E", "", false)
	sh.SetVar("HOME", "/home/u", true)
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"echo $A", []string{"echo", "x y"}}, // no field splitting
		{"echo ${A}z", []string{"echo", "x yz"}},
		{`echo "$A"`, []string{"echo", "x y"}},
		{`echo '$A'`, []string{"echo", "$A"}},
		{`echo \$A`, []string{"echo", "$A"}},
		{"echo $E", []string{"echo"}}, // empty unquoted: gone
		{`echo "$E"`, []string{"echo", ""}},
		{"echo $UNSET x", []string{"echo", "x"}},
		{"echo $?", []string{"echo", "3"}},
		{"echo $# $0 $1 $3", []string{"echo", "2", "script", "one"}},
		{"echo $@", []string{"echo", "one", "two words"}},
		{`echo "$@"`, []string{"echo", "one", "two words"}},
		{`echo "a$@b"`, []string{"echo", "aone", "two wordsb"}},
		{`echo "$*"`, []string{"echo", "one two words"}},
		{"echo ~ ~/x a~ '~'", []string{"echo", "/home/u", "/home/u/x", "a~", "~"}},
		{"echo ~nosuchuserhere", []string{"echo", "~nosuchuserhere"}},
		{"echo ${10}", []string{"echo"}},
		{`echo "\$A \" \\ \n"`, []string{"echo", `$A " \ \n`}},
	} {
		l, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		got, _ := sh.expand(l[0].Pipes[0].Cmds[0].Words, nil)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.in, got, tc.want)
		}
	}
	sh.Args = nil
	l, _ := Parse(`echo "$@"`)
	if got, _ := sh.expand(l[0].Pipes[0].Cmds[0].Words, nil); !reflect.DeepEqual(got, []string{"echo"}) {
		t.Errorf(`"$@" without arguments gave %q, want nothing`, got)
	}
}

func TestClip(t *testing.T) {
	long := make([]byte, 100000)
	for i := range long {
		long[i] = 'a'
	}
	if got := clip(string(long), 300); len(got) > 400 {
		t.Errorf("clip kept %d bytes", len(got))
	}
	if got := clip("a\x01b\xffc", 300); got != `a\x01b\xffc` {
		t.Errorf("clip escaped to %q", got)
	}
}
