package builtins_test

import (
	"testing"
)

// echoCases and printfCases: arguments (split as words splits them), and
// what bash 5.2 prints and its status (checked by hand).
var echoCases = []struct{ args, out string }{
	{"", "\n"},
	{"a b  c", "a b c\n"},
	{"'a  b'", "a  b\n"},
	{"-n a", "a"},
	{"-n", ""},
	{"-n -n a", "a"},
	{"-e 'a\\tb'", "a\tb\n"},
	{"'a\\tb'", "a\\tb\n"},
	{"-E 'a\\tb'", "a\\tb\n"},
	{"-e -E 'a\\tb'", "a\\tb\n"},
	{"-eE 'a\\tb'", "a\\tb\n"},
	{"-Ee 'a\\tb'", "a\tb\n"},
	{"-ne 'a\\nb'", "a\nb"},
	{"-en a", "a"},
	{"-- a", "-- a\n"},
	{"-nx a", "-nx a\n"},
	{"- a", "- a\n"},
	{"a -n", "a -n\n"},
	{"-e 'a\\cb' c", "a"},
	{"-e 'a\\\\b'", "a\\b\n"},
	{"-e '\\0101\\01\\0'", "A\x01\x00\n"},
	{"-e '\\101'", "\\101\n"},
	{"-e '\\x41\\x4g\\xg'", "A\x04g\\xg\n"},
	{"-e '\\u00e9\\U0001F600'", "é😀\n"},
	{"-e '\\e\\E\\a\\b\\f\\r\\v'", "\x1b\x1b\a\b\f\r\v\n"},
	{"-e '\\z\\\"\\?'", "\\z\\\"\\?\n"},
	{"-e 'a\\'", "a\\\n"},
}

func TestEcho(t *testing.T) {
	for _, tc := range echoCases {
		out, _, st, err := call(nil, nil, nil, append([]string{"echo"}, words(tc.args)...)...)
		if out != tc.out || st != 0 {
			t.Errorf("echo %s: %q status %d (%v), want %q", tc.args, out, st, err, tc.out)
		}
	}
}

var printfCases = []struct {
	args, out string
	status    int
}{
	{"foo", "foo", 0},
	{"%%", "%", 0},
	{"' %s \\n' bar", " bar \n", 0},
	{"'\\A'", "\\A", 0},
	{"%s foo", "foo", 0},
	{"%s", "", 0},
	{"%d,%i 3 4", "3,4", 0},
	{"%d", "0", 0},
	{"%d,%d 010 0x10", "8,16", 0},
	{"%c,%c,%c foo àa", "f,\xc3,\x00", 0},
	{"[%c]", "[\x00]", 0},
	{"%3s a", "  a", 0},
	{"%3i 1", "  1", 0},
	{"%+i%+d 1 -3", "+1-3", 0},
	{"%-5x| 10", "a    |", 0},
	{"%02x 1", "01", 0},
	{"'a% 5s' a", "a    a", 0},
	{"nofmt 1 2 3", "nofmt", 0},
	{"%d_ 1 2 3", "1_2_3_", 0},
	{"'%02d %02d\\n' 1 2 3", "01 02\n03 00\n", 0},
	{"'%s %s\\n' a b c", "a b\nc \n", 0},
	{"'%s %s %s\\n' a b c d", "a b c\nd  \n", 0},
	{"'x%s\\n' a b '' c", "xa\nxb\nx\nxc\n", 0},
	{"'0%s1' 'a\\bc'", "0a\\bc1", 0},
	{"'0%b1' 'a\\bc'", "0a\bc1", 0},
	{"'a%bc'", "ac", 0},
	{"'before\\x00after'", "before\x00after", 0},
	{"'\\0'", "\x00", 0},
	{"'\\01'", "\x01", 0},
	{"'\\x'", "\\x", 0},
	{"'a\\0'", "a\x00", 0},
	{"'\\\\'", "\\", 0},
	{"'a\\101\\0101\\x41\\u00e9\\q'", "aA\b1Aé\\q", 0},
	{"'\\1234\\01234\\08|'", "S4\n34\x008|", 0},
	{"'q\\\"\\?'\\'", "q\"?'", 0},
	{"'a\\cb'", "a\\cb", 0},
	{"'%b|' '\\1234\\01234\\08'", "S4S4\x008|", 0},
	{"'%b|' 'q\\\"\\?'", "q\\\"\\?|", 0},
	{"'%b' 'abc\\cdef' more", "abc", 0},
	{"'%s%b%s\\n' 1 'a\\cb' 3", "1a", 0},
	{"%b '\\x41\\x4g\\xg'", "A\x04g\\xg", 0},
	{"'\\u41|\\U1F600|\\u|'", "A|😀|\\u|", 0},
	{"'%5b|%-5b|%.2b|' 'a\\tb' x abc", "  a\tb|x    |ab|", 0},
	// Flags, widths, precisions.
	{"'%-+5d|%+-5d|' 1 2", "+1   |+2   |", 0},
	{"'%0-5d|' 3", "3    |", 0},
	{"'%#5.3x|' 10", "0x00a|", 0},
	{"'%.3d|%.0d|' 7 0", "007||", 0},
	{"'%08.3f|%-08.3f|' 3.14159 2.5", "0003.142|2.500   |", 0},
	{"'% 05d' 4", " 0004", 0},
	{"'%05d|%-05d|% d|%+d|%x|%#x|%#o|%X' 42 42 42 42 255 255 8 255", "00042|42   | 42|+42|ff|0xff|010|FF", 0},
	{"'%#x %#o %#X' 0 0 0", "0 0 0", 0},
	{"'%+u % u' 5 5", "5 5", 0},
	{"%.3x 0", "000", 0},
	{"'%5.2f|%-8.3e|%g|%G|%#g' 3.14159 1234.5 0.0001 1e20 1", " 3.14|1.234e+03|0.0001|1E+20|1.00000", 0},
	{"'%5.1e|%G|%g|%g|%g' 12345 0.00001234 100000 1000000 123456789", "1.2e+04|1.234E-05|100000|1e+06|1.23457e+08", 0},
	{"'%f %F %e' inf -inf nan", "inf -INF nan", 0},
	{"'%5f|%-5f|%05f' inf inf -inf", "  inf|inf  | -inf", 0},
	{"%F 1.5", "1.500000", 0},
	{"'%+.2e' -0", "-0.00e+00", 0},
	{"'%.0f %.0f' 0.5 1.5", "0 2", 0},
	{"%e 0x10", "1.600000e+01", 0},
	{"'%a|%A|%a|%.1a|%a' 1 255 0 1 -0.1", "0x1p+0|0X1.FEP+7|0x0p+0|0x1.0p+0|-0x1.999999999999ap-4", 0},
	{"'%010a|%-8a|%+a' 1 1 1", "0x00001p+0|0x1p+0  |+0x1p+0", 0},
	{"'%c|%5c|%-3c|' hello x y", "h|    x|y  |", 0},
	{"'%.3s|%-5s|%5.1s|' abcdef ab xyz", "abc|ab   |    x|", 0},
	{"'%*d|%-*d|%.*f' 5 1 4 2 2 3.14159", "    1|2   |3.14", 0},
	{"'%.*s|' -1 abc", "abc|", 0},
	{"'%*s|' -5 abc", "abc  |", 0},
	{"'%ld %hd %lld %jd %zd %qd' 1 2 3 4 5 6", "1 2 3 4 5 6d", 0},
	{"'ab%zc' x", "abx", 0},
	{"'%5s|%-5s|' é é", "   é|é   |", 0},
	{"\"%'d\" 1000", "1000", 0},
	// Numbers as C constants.
	{"'%i|' 0x1f 017 -0x10 +5 '  -0x1F' \"'a\" '\"x' \"'é\" \"'\"", "31|15|-16|5|-31|97|120|233|0|", 0},
	{"'%d|' ''", "0|", 0},
	{"'%u %x %o' -3 -3 -3", "18446744073709551613 fffffffffffffffd 1777777777777777777775", 0},
	{"%i,%u -3 -3", "-3,18446744073709551613", 0},
	{"%x 18446744073709551615", "ffffffffffffffff", 0},
	{"'%f' \"'a\"", "97.000000", 0},
	{"'%g|' 1e3 .5 0x1p3 5. -2E-2", "1000|0.5|8|5|-0.02|", 0},
	// Bad numbers: reported, and what could be read is printed.
	{"'%d|' 12abc abc 3", "12|0|3|", 1},
	{"'%d %d\\n' 1 a 3", "1 0\n3 0\n", 1},
	{"'%d\\n' 1.5", "1\n", 1},
	{"'%d' 08", "0", 1},
	{"'%d' 99999999999999999999", "9223372036854775807", 1},
	{"'%d' -9223372036854775809", "-9223372036854775808", 1},
	{"'%f' 1.5x", "1.500000", 1},
	{"'%f' x", "0.000000", 1},
	{"'%*s|' x abc", "abc|", 1},
	// Bad formats stop printf.
	{"%", "", 1},
	{"%1", "", 1},
	{"%+", "", 1},
	{"'%B' x", "", 1},
	{"'%5%|'", "", 1},
	{"'ab%Ycd%s' x", "ab", 1},
	{"'%12-s' foo", "", 1},
	// %q, as bash quotes.
	{"'%q\\n' 'a b' \"a'b\" '' '~x' 'a~' '#a' 'a#' 'a=b' 'é' 'x=~' 'a:~'", "a\\ b\na\\'b\n''\n\\~x\na~\n\\#a\na#\na=b\né\nx=\\~\na:\\~\n", 0},
	{"'%q\\n' 'a*b?c[d]' '{x}' '!a' 'a,b' 'a|b' 'a&b;c' '$x' '`x`' '(x)' '<>' 'a\\b' '\"' '^'", "a\\*b\\?c\\[d\\]\n\\{x\\}\n\\!a\na\\,b\na\\|b\na\\&b\\;c\n\\$x\n\\`x\\`\n\\(x\\)\n\\<\\>\na\\\\b\n\\\"\n\\^\n", 0},
	{"'%10q|%.1q|%5q|' 'a b' abc ''", "      a\\ b|a|   ''|", 0},
	// Options.
	{"-- %s x", "x", 0},
	{"- x", "-", 0},
	{"-x", "", 2},
	{"", "", 2},
}

func TestPrintf(t *testing.T) {
	for _, tc := range printfCases {
		out, _, st, err := call(nil, nil, nil, append([]string{"printf"}, words(tc.args)...)...)
		if out != tc.out || st != tc.status {
			t.Errorf("printf %s: %q status %d (%v), want %q status %d", tc.args, out, st, err, tc.out, tc.status)
		}
	}
}

// The messages of bad numbers and formats, and the first one is what
// printf reports.
func TestPrintfErrors(t *testing.T) {
	for args, msg := range map[string]string{
		"%d 12abc":                "12abc: invalid number",
		"%d 99999999999999999999": "99999999999999999999: Numerical result out of range",
		"'%d %d' a b":             "a: invalid number",
		"%":                       "`%': missing format character",
		"'%5'":                    "`%5': missing format character",
		"'%B' x":                  "`B': invalid format character",
		"'%d%B' x":                "x: invalid number",
	} {
		_, _, _, err := call(nil, nil, nil, append([]string{"printf"}, words(args)...)...)
		if err == nil || err.Error() != msg {
			t.Errorf("printf %s: error %v, want %q", args, err, msg)
		}
	}
}

// -v assigns the output instead, with the language's Assign.
func TestPrintfToVariable(t *testing.T) {
	sh := newUtilShell()
	sh.ro["ro"] = true
	if out, _, st, err := call(nil, sh, nil, "printf", "-v", "v", "%s-%03d", "a", "5"); out != "" || st != 0 || sh.vars["v"] != "a-005" {
		t.Errorf("printf -v: %q status %d (%v), v=%q", out, st, err, sh.vars["v"])
	}
	if _, _, st, _ := call(nil, sh, nil, "printf", "-v", "bad name", "x"); st != 2 {
		t.Errorf("printf -v 'bad name': status %d, want 2", st)
	}
	if _, _, st, _ := call(nil, sh, nil, "printf", "-v", "ro", "x"); st != 1 {
		t.Errorf("printf -v of a read-only variable: status %d, want 1", st)
	}
}
