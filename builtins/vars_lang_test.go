package builtins

import "testing"

// export, readonly, unset and local: mvdan.cc/sh's interp cases and
// bash's behaviour.
func TestExportLang(t *testing.T) {
	runLangCases(t, []langCase{
		{"set and export", "export A=1\nshow A", "A=1[x]\n", ""},
		{"export keeps the value", "assign A 2\nexport A\nshow A", "A=2[x]\n", ""},
		{"export without a value", "export W\nshow W\nassign W 4\nshow W", "W unset[x]\nW=4[x]\n", ""},
		{"several", "export A=1 B C=3\nshow A B C", "A=1[x]\nB unset[x]\nC=3[x]\n", ""},
		{"value with =", "export A=b=c\nshow A", "A=b=c[x]\n", ""},
		{"empty value", "export A=\nshow A", "A=[x]\n", ""},
		{"listing", "assign L local\nexport A='a b' N\nexport", "export A='a b'\nexport N\n", ""},
		{"-p lists", "export A=1\nexport -p", "export A=1\n", ""},
		{"-n unexports", "export A=1\nexport -n A\nshow A", "A=1\n", ""},
		{"-n with a value", "export A=1\nexport -n A=2\nshow A", "A=2\n", ""},
		{"bad name", "export 1A=2", "? 2\n", "not a variable name"},
		{"bad name does not stop the rest", "export 1A=2 B=3\nshow B", "? 2\nB=3[x]\n", "1A"},
		{"read-only refuses a value", "readonly R=1\nexport R=2\nshow R", "? 1\nR=1[r]\n", "read-only"},
		{"read-only may be exported", "readonly R=1\nexport R\nshow R", "R=1[x][r]\n", ""},
		{"bad option", "export -z A", "? 2\n", "-z"},
		{"dashdash", "export -- A=1\nshow A", "A=1[x]\n", ""},
	}, nil)
}

func TestReadonlyLang(t *testing.T) {
	runLangCases(t, []langCase{
		{"set and mark", "readonly A=1\nshow A\nassign A 2\nshow A", "A=1[r]\n? 1\nA=1[r]\n", "read-only"},
		{"mark", "assign A b\nassign A c\nreadonly A\nassign A d\nshow A", "? 1\nA=c[r]\n", "A: is read-only"},
		{"twice with a value fails", "readonly A=1\nreadonly A=2", "? 1\n", "read-only"},
		{"twice without", "readonly A=1\nreadonly A", "", ""},
		{"listing", "readonly A='x y' B\nexport C=1\nreadonly -p", "readonly A='x y'\nreadonly B\n", ""},
		{"bare listing", "readonly A=1\nreadonly", "readonly A=1\n", ""},
		{"unset refuses", "readonly A=1\nunset A\nshow A", "? 1\nA=1[r]\n", "read-only"},
		{"bad name", "readonly a-b=1", "? 2\n", "not a variable name"},
	}, nil)
}

func TestUnsetLang(t *testing.T) {
	runLangCases(t, []langCase{
		{"variable", "export U=1\nunset U\nshow U", "U unset\n", ""},
		{"never set", "unset NEVER", "", ""},
		{"no operands", "unset", "", ""},
		{"-v", "assign A 1\nunset -v A\nshow A", "A unset\n", ""},
		{"function with -f", "func f echo hi\nunset -f f\nisfunc f", "f false\n", ""},
		{"-f leaves the variable", "assign f 1\nfunc f echo\nunset -f f\nshow f", "f=1\n", ""},
		{"a function when no variable", "func f echo\nunset f\nisfunc f", "f false\n", ""},
		{"the variable first", "assign f 1\nfunc f echo\nunset f\nshow f\nisfunc f", "f unset\nf true\n", ""},
		{"-v leaves the function", "func f echo\nunset -v f\nisfunc f", "f true\n", ""},
		{"read-only: the others go", "readonly R=1\nassign B 2\nunset R B\nshow R B", "? 1\nR=1[r]\nB unset\n", "R: is read-only"},
		{"both options", "unset -fv A", "? 2\n", "both"},
		{"bad name", "unset 'a b'", "? 2\n", "not a variable name"},
		{"local unset hides nothing", "assign A outer\ncall\nlocal A=in\nunset A\nshow A\nret\nshow A", "A unset\nA=outer\n", ""},
	}, nil)
}

func TestLocalLang(t *testing.T) {
	runLangCases(t, []langCase{
		{"outside a function", "local a=b", "? 1\n", "only be used in a function"},
		{"outside, nothing set", "local a=b\nshow a", "? 1\na unset\n", "function"},
		{"local value", "assign a outer\ncall\nlocal a=in\nshow a\nret\nshow a", "a=in\na=outer\n", ""},
		{"starts unset", "assign a outer\ncall\nlocal a\nshow a\nret\nshow a", "a unset\na=outer\n", ""},
		{"several", "call\nlocal a=1 b c=3\nshow a b c", "a=1\nb unset\nc=3\n", ""},
		{"-r", "call\nlocal -r a=1\nassign a 2\nshow a", "? 1\na=1[r]\n", "read-only"},
		{"-x", "call\nlocal -x a=1\nshow a\nret\nshow a", "a=1[x]\na unset\n", ""},
		{"bad name", "call\nlocal 0a=1", "? 2\n", "not a variable name"},
		{"bad option", "call\nlocal -q a", "? 2\n", "-q"},
		{"no operands", "call\nlocal", "", ""},
	}, nil)
}
