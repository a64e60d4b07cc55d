package builtins

import (
	"strings"
	"testing"
)

// whileGetopts is `while getopts ARGS; do echo $NAME $OPTARG $OPTIND;
// done`: a line per option, empty fields dropped as echo's unquoted
// words are.
func whileGetopts(f *fakeLang, line string) (string, string) {
	args := words("getopts " + line)
	var b strings.Builder
	var errs strings.Builder
	for i := 0; i < 20; i++ {
		out, e := f.script(quoteWords(args))
		errs.WriteString(e)
		if out != "" {
			break // the status line: the loop ends
		}
		var fields []string
		for _, name := range []string{args[2], "OPTARG", "OPTIND"} {
			if v, _ := f.Var(name); v != "" {
				fields = append(fields, v)
			}
		}
		b.WriteString(strings.Join(fields, " ") + "\n")
	}
	return b.String(), errs.String()
}

func quoteWords(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = "'" + w + "'"
	}
	return strings.Join(q, " ")
}

// mvdan.cc/sh's interp cases for getopts, and bash's answers.
func TestGetoptsLoop(t *testing.T) {
	for _, c := range []struct {
		params, line, want, errs string
	}{
		{"", "ab:c opt -c -b arg -a foo", "c 2\nb arg 4\na 5\n", ""},
		{"", "abc opt -ba -c foo", "b 1\na 2\nc 3\n", ""},
		{"", "ab: opt -a -bval -a", "a 2\nb val 3\na 4\n", ""},
		{"", "b: opt -bval foo", "b val 2\n", ""},
		{"", "ab: opt -ab val", "a 1\nb val 3\n", ""},
		{"-a -b -c arg", "abc: opt", "a 2\nb 3\nc arg 5\n", ""},
		{"", "ab opt -a -- -b", "a 2\n", ""},
		{"", "ab opt -a - -b", "a 2\n", ""},
		{"", "a: opt -a ''", "a 3\n", ""},
		{"", "a opt -z -a", "? 2\na 3\n", "t.sh:1: getopts: illegal option -- z"},
		{"", ":a opt -z -a", "? z 2\na 3\n", ""},
		{"", "a: opt -a", "? 2\n", "option requires an argument -- a"},
		{"", ":a: opt -a", ": a 2\n", ""},
		{"", ": opt -:", "? : 2\n", ""},
		{"", "ab opt foo -a", "", ""},
	} {
		f := newFakeLang()
		f.params = words(c.params)
		got, errs := whileGetopts(f, c.line)
		if got != c.want {
			t.Errorf("getopts %s (params %q):\ngot:\n%s\nwant:\n%s", c.line, c.params, got, c.want)
		}
		if c.errs == "" && errs != "" || !strings.Contains(errs, c.errs) {
			t.Errorf("getopts %s: stderr %q, want %q", c.line, errs, c.errs)
		}
	}
}

func TestGetoptsLang(t *testing.T) {
	runLangCases(t, []langCase{
		{"usage", "getopts", "? 2\n", "OPTSTRING and NAME"},
		{"bad name", "getopts a a:b", "? 2\n", "not a variable name"},
		{"one", "getopts abc opt -a\nshow opt OPTIND OPTARG", "opt=a\nOPTIND=2\nOPTARG unset\n", ""},
		{"an operand first", "getopts abc opt foo -a\nshow opt OPTIND", "? 1\nopt=?\nOPTIND=1\n", ""},
		{"end", "getopts abc opt -a foo\ngetopts abc opt -a foo\nshow opt OPTIND", "? 1\nopt=?\nOPTIND=2\n", ""},
		{"OPTIND set ahead", "assign OPTIND 3\ngetopts abc opt -a -b -c\nshow opt", "opt=c\n", ""},
		{"OPTIND past the end", "assign OPTIND 100\ngetopts abc opt -a -b -c\nshow opt", "? 1\nopt=?\n", ""},
		{"OPTIND not a number", "assign OPTIND foo\ngetopts abc opt -a -b -c\nshow opt", "opt=a\n", ""},
		{"OPTARG cleared", "assign OPTARG old\ngetopts a opt -a\nshow OPTARG", "OPTARG unset\n", ""},
		{"OPTARG cleared at the end", "assign OPTARG old\ngetopts a opt x\nshow OPTARG", "? 1\nOPTARG unset\n", ""},
		{"the params", "set -- -x\ngetopts x opt\nshow opt", "opt=x\n", ""},
		{"dashdash counts", "getopts a opt -- x\nshow opt OPTIND", "? 1\nopt=?\nOPTIND=2\n", ""},
		// OPTIND=1 starts again, also in the middle of a group.
		{"reset in a group", "set -- -ab\ngetopts ab o\nshow o OPTIND\nassign OPTIND 1\ngetopts ab o\nshow o\ngetopts ab o\nshow o OPTIND",
			"o=a\nOPTIND=1\no=a\no=b\nOPTIND=2\n", ""},
		{"read-only name", "readonly opt\ngetopts a opt -a", "? 1\n", "read-only"},
	}, nil)
}
