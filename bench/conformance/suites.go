package main

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// mvdanCases reads the table of TestRunnerRun from mvdan.cc/sh/v3's
// interp_test.go in the module cache. The table is read at run time, never
// copied: it stays the peer's, at the version go.mod names.
func mvdanCases() ([]*Case, []string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "mvdan.cc/sh/v3").Output()
	if err != nil {
		return nil, nil, fmt.Errorf("go list -m mvdan.cc/sh/v3: %v (run from the nsh module)", err)
	}
	pkg := filepath.Join(strings.TrimSpace(string(out)), "interp")
	file := filepath.Join(pkg, "interp_test.go")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		return nil, nil, err
	}
	// The tables TestRunnerRun runs on a 64-bit Unix (its init appends them).
	tables := map[string]bool{"runTests": true, "runTestsUnix": true, "runTests64bit": true}
	var cases []*Case
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Names) != 1 || !tables[vs.Names[0].Name] || len(vs.Values) != 1 {
				continue
			}
			lit, ok := vs.Values[0].(*ast.CompositeLit)
			if !ok {
				continue
			}
			for _, e := range lit.Elts {
				pos := fset.Position(e.Pos())
				c := &Case{ID: fmt.Sprintf("interp_test.go:%d", pos.Line)}
				pair, ok := e.(*ast.CompositeLit)
				if !ok || len(pair.Elts) != 2 {
					c.Skip = "not an {in, want} pair"
					cases = append(cases, c)
					continue
				}
				in, err1 := constString(pair.Elts[0])
				want, err2 := constString(pair.Elts[1])
				if err1 != nil || err2 != nil {
					c.Skip = "not a constant string"
					cases = append(cases, c)
					continue
				}
				c.Script = in
				mvdanWant(c, want)
				if c.Split && strings.Contains(in, "chmod") && os.Geteuid() == 0 {
					c.Skip = "wants a permission error, which root does not get"
				}
				cases = append(cases, c)
			}
		}
	}
	if len(cases) == 0 {
		return nil, nil, fmt.Errorf("%s: no runTests table found", file)
	}
	return cases, mvdanEnv(pkg), nil
}

// constString evaluates a string literal or a + of them; pathProg is the
// test file's own variable, "sh" on Unix.
func constString(e ast.Expr) (string, error) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			return strconv.Unquote(e.Value)
		}
	case *ast.Ident:
		if e.Name == "pathProg" {
			return "sh", nil
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			a, err := constString(e.X)
			if err != nil {
				return "", err
			}
			b, err := constString(e.Y)
			return a + b, err
		}
	case *ast.ParenExpr:
		return constString(e.X)
	}
	return "", fmt.Errorf("not constant")
}

var exitSuffix = regexp.MustCompile(`exit status (\d+)$`)

// mvdanWant reads the table's conventions into c. Stdout and stderr share
// one buffer; a final status N != 0 appends "exit status N" (the text of
// Go's exec.ExitError, which the table's bash check relies on too).
// " #JUSTERR" asks only for a failure and a message; " #IGNORE" marks a
// want that bash does not give (the table's own bash check skips those),
// so they are skipped here for every shell.
func mvdanWant(c *Case, want string) {
	note := ""
	if i := strings.Index(want, " #"); i >= 0 {
		want, note = want[:i], want[i+2:]
	}
	c.Want = want
	switch {
	case strings.HasPrefix(note, "IGNORE"):
		c.Skip = "#IGNORE: the table says bash differs"
		return
	case strings.HasPrefix(note, "JUSTERR"):
		c.Split = true
		failing := exitSuffix.MatchString(want)
		c.Want = "(any message on stderr"
		if failing {
			c.Want += ", a status != 0"
		}
		c.Want += ")"
		c.check = func(r *Result) bool {
			return r.Stderr != "" && (!failing || r.Status != 0)
		}
		return
	}
	c.check = func(r *Result) bool {
		got := r.Out + r.ExitText
		got = strings.ReplaceAll(got, strconv.Quote(filepath.Join(r.Dir, "a")), "ABS_PATH_A")
		return got == want
	}
}

// mvdanEnv mirrors TestMain and internal.TestMainSetup: a C.UTF-8 locale,
// no CDPATH, the short names the tests use as variables unset and shadowed
// in $PATH by failing programs, and the variables the table reads. GOSH_PROG
// is this program, which acts as the table's helper (see helper).
func mvdanEnv(pkg string) []string {
	bin, err := os.MkdirTemp("", "conformance-bin-")
	check(err)
	cleanups = append(cleanups, func() { os.RemoveAll(bin) })
	names := []string{"a", "b", "c", "d", "e", "f", "foo", "bar"}
	for _, s := range names {
		check(os.WriteFile(filepath.Join(bin, s), []byte("#!/bin/sh\necho NO_SUCH_COMMAND; exit 1"), 0o777))
	}
	self, err := os.Executable()
	check(err)
	env := environ(append(names, "CDPATH", "GOSH_CMD"), os.Environ())
	return append(env,
		"LANGUAGE=C.UTF-8", "LC_ALL=C.UTF-8",
		"PATH="+bin+":"+os.Getenv("PATH"),
		"GOSH_PROG="+self, "GO_TEST_DIR="+pkg,
		"INTERP_GLOBAL=value", "MULTILINE_INTERP_GLOBAL=\nwith\nnewlines\n\n",
		"MIXEDCASE_INTERP_GLOBAL=value", "PATH_PROG=sh", "ENV_PROG=env")
}

// environ returns env without the variables named in drop.
func environ(drop []string, env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !contains(drop, name) {
			out = append(out, kv)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// helper is what $GOSH_PROG does in the table's TestMain: a few canned
// programs chosen by $GOSH_CMD, or else "run $1 as a script" with the shell
// under test (gosh is the table's shell under test).
func helper(shell string) {
	switch os.Getenv("GOSH_CMD") {
	case "exit_0":
		os.Exit(0)
	case "exit_5":
		os.Exit(5)
	case "print_ok":
		fmt.Printf("exec ok\n")
		os.Exit(0)
	case "print_fail":
		fmt.Printf("exec fail\n")
		os.Exit(1)
	case "pid_and_hang":
		fmt.Println(os.Getpid())
		select {}
	case "foo_null_bar":
		fmt.Println("foo\x00bar")
		os.Exit(0)
	case "lookpath":
		if _, err := exec.LookPath("sh"); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Printf("sh found\n")
		os.Exit(0)
	}
	args := strings.Fields(shell)
	if len(os.Args) > 1 {
		args = append(args, "-c", os.Args[1])
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if cmd.ProcessState != nil {
			os.Exit(cmd.ProcessState.ExitCode() & 0xff)
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// mkshCategories are those of a full, non-legacy 64-bit shell on Linux
// without a controlling tty; tests for other categories are skipped, as
// check.pl skips them.
var mkshCategories = []string{"os:linux", "shell:legacy-no", "shell:ebcdic-no", "shell:ascii-yes",
	"shell:textmode-no", "shell:binmode-yes", "int:64", "regress:no-ctty"}

// mkshCases reads mksh's regression suite, check.t, as Debian's mksh
// package installs it, in check.pl's format. Stdout is compared exactly
// (or by its pattern) and the exit status by its expression; stderr only as
// "empty" or "not empty", since every shell words its messages its own way.
func mkshCases(path string) ([]*Case, []string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%v (apt-get install mksh)", err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		return nil, nil, err
	}
	var cases []*Case
	br := bufio.NewReader(zr) // not a Scanner: it would drop the \r some tests hold
	line := 0
	var lines []string
	var pending string // a line read past the end of a multi-line value
	var readErr error
	next := func() (string, bool) {
		if pending != "" {
			l := pending
			pending = ""
			return l, true
		}
		l, err := br.ReadString('\n')
		if err != nil && (err != io.EOF || l == "") {
			if err != io.EOF {
				readErr = err
			}
			return "", false
		}
		line++
		return strings.TrimSuffix(l, "\n"), true
	}
	start := 0
	fields := map[string][]string{}
	for {
		l, ok := next()
		if !ok {
			break
		}
		if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimLeft(l, " "), "#") {
			continue
		}
		if strings.TrimSpace(l) == "---" {
			cases = append(cases, mkshCase(fields, start))
			fields = map[string][]string{}
			start = 0
			continue
		}
		if start == 0 {
			start = line
		}
		name, val, ok := strings.Cut(l, ":")
		if !ok {
			return nil, nil, fmt.Errorf("%s:%d: not a field", path, line)
		}
		val = strings.TrimSpace(val)
		multi := map[string]bool{"description": true, "script": true, "stdin": true, "perl-setup": true,
			"perl-cleanup": true, "expected-stdout": true, "expected-stdout-pattern": true,
			"expected-stderr": true, "expected-stderr-pattern": true, "category": true,
			"arguments": true, "env-setup": true, "file-setup": true, "file-result": true}
		if multi[name] && (val == "" || val == "!" || name == "file-setup" || name == "file-result") {
			chop := val == "!"
			head := ""
			if name == "file-setup" || name == "file-result" {
				chop = strings.HasPrefix(val, "!")
				head = strings.TrimPrefix(val, "!")
			}
			lines = lines[:0]
			for {
				l, ok := next()
				if !ok {
					break
				}
				if !strings.HasPrefix(l, "\t") {
					pending = l
					break
				}
				lines = append(lines, l[1:]+"\n")
			}
			val = strings.Join(lines, "")
			if chop {
				val = strings.TrimSuffix(val, "\n")
			}
			val = head + val
		}
		fields[name] = append(fields[name], val)
	}
	if readErr != nil {
		return nil, nil, readErr
	}
	self := filepath.Base(path)
	for _, c := range cases {
		c.ID = self + ":" + c.ID
	}
	env := []string{"ENV=/nonexistant", "LANG=C", "CYGWIN=nodosfilewarning", "__perlname=/usr/bin/perl"}
	for _, k := range []string{"HOME", "LD_LIBRARY_PATH", "LOCPATH", "LOGNAME", "PATH", "SHELL", "USER"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return cases, env, nil
}

func mkshCase(f map[string][]string, line int) *Case {
	one := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	_, hasStdin := f["stdin"]
	c := &Case{ID: fmt.Sprintf("%d:%s", line, one("name")), Script: one("stdin"), OnStdin: hasStdin, Split: true}
	switch {
	case !mkshCategoryOK(one("category")):
		c.Skip = "its category is not a generic 64-bit Linux shell's"
	case one("need-ctty") == "yes":
		c.Skip = "needs a controlling tty"
	case f["script"] != nil || f["perl-setup"] != nil || f["file-result"] != nil:
		c.Skip = "uses script, perl-setup or file-result"
	case one("expected-fail") == "yes":
		c.Skip = "expected to fail in mksh itself"
	}
	if c.Skip != "" {
		return c
	}
	if a := one("arguments"); a != "" {
		c.Args = strings.Split(a[1:len(a)-1], a[:1])
	}
	if e := one("env-setup"); e != "" {
		for _, kv := range strings.Split(e[1:len(e)-1], e[:1]) {
			if kv != "" && !strings.HasPrefix(kv, "=") {
				c.Env = append(c.Env, strings.ReplaceAll(kv, "@utflocale@", "C.UTF-8"))
			}
		}
	}
	c.Files = f["file-setup"]
	exit, err := mkshExit(one("expected-exit"))
	if err != nil {
		c.Skip = "expected-exit " + err.Error()
		return c
	}
	out, outOK := mkshOutput(one("expected-stdout"), f["expected-stdout-pattern"])
	errText, errOK := mkshStderr(one("expected-stderr"), f["expected-stderr-pattern"])
	c.Want = fmt.Sprintf("stdout %s; stderr %s; exit %s", out, errText, orZero(one("expected-exit")))
	c.check = func(r *Result) bool {
		return exit(r) && outOK(r.Stdout) && errOK(r.Stderr)
	}
	return c
}

// mkshStderr does not compare the text of messages, which every shell
// words its own way, only whether there is one: none unless the test
// expects some, and none exactly where its pattern says so (/^$/). An empty
// stderr passes a pattern that matches the empty string.
func mkshStderr(want string, pats []string) (string, func(string) bool) {
	if len(pats) == 0 {
		if want == "" {
			return "empty", func(got string) bool { return got == "" }
		}
		return "a message", func(got string) bool { return got != "" }
	}
	text, match := mkshOutput("", pats)
	if strings.TrimSpace(pats[0]) == "/^$/" {
		return "empty", func(got string) bool { return got == "" }
	}
	return text + " (text not compared)", func(got string) bool { return got != "" || match("") }
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

func mkshCategoryOK(cat string) bool {
	if cat == "" {
		return true
	}
	ok := false
	for _, c := range strings.Split(cat, ",") {
		c = strings.TrimSpace(c)
		if neg, found := strings.CutPrefix(c, "!"); found {
			if contains(mkshCategories, neg) {
				return false
			}
			ok = true
		} else if contains(mkshCategories, c) {
			ok = true
		}
	}
	return ok
}

// mkshOutput compares stdout exactly, or by a /perl pattern/ where Go's
// regexp can read it.
func mkshOutput(want string, pats []string) (string, func(string) bool) {
	if len(pats) == 0 {
		return strconv.Quote(want), func(got string) bool { return got == want }
	}
	p := strings.TrimSpace(pats[0])
	neg := strings.HasPrefix(p, "!")
	p = strings.TrimPrefix(p, "!")
	i := strings.LastIndex(p, "/")
	if !strings.HasPrefix(p, "/") || i < 1 {
		return "pattern " + p + " (not read)", func(string) bool { return false }
	}
	flags := ""
	for _, f := range p[i+1:] {
		if strings.ContainsRune("imsx", f) {
			flags += string(f)
		}
	}
	expr := strings.ReplaceAll(p[1:i], `\0`, `\x00`)
	if !strings.Contains(flags, "m") && strings.HasSuffix(expr, "$") && !strings.HasSuffix(expr, `\$`) {
		expr = strings.TrimSuffix(expr, "$") + `\n?\z` // Perl's $ allows a final newline
	}
	if flags != "" {
		expr = "(?" + flags + ")" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return "pattern " + p + " (not Go syntax)", func(string) bool { return false }
	}
	if neg {
		return "pattern !" + p, func(got string) bool { return !re.MatchString(got) }
	}
	return "pattern " + p, re.MatchString
}

var exitNum = regexp.MustCompile(`^-?\d+$`)

// mkshExit reads expected-exit: a number, or a C expression of e (exit
// code), s (signal) and w (wait status); the few forms check.t uses.
func mkshExit(expr string) (func(*Result) bool, error) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return func(r *Result) bool { return r.Status == 0 && r.Signal == 0 }, nil
	}
	if exitNum.MatchString(expr) {
		n, _ := strconv.Atoi(expr)
		return func(r *Result) bool { return r.Signal == 0 && r.Status == n }, nil
	}
	var terms []func(*Result) bool
	for _, t := range strings.Split(expr, "&&") {
		m := regexp.MustCompile(`^\s*([esw])\s*(==|!=|>=|<=|>|<)\s*(-?\d+)\s*$`).FindStringSubmatch(t)
		if m == nil {
			return nil, fmt.Errorf("%q not read", expr)
		}
		v, op := m[1], m[2]
		n, _ := strconv.Atoi(m[3])
		terms = append(terms, func(r *Result) bool {
			x := r.Status
			switch v {
			case "s":
				x = r.Signal
			case "w":
				x = r.Status<<8 | r.Signal
			}
			if v == "e" && r.Signal != 0 {
				x = -1000
			}
			switch op {
			case "==":
				return x == n
			case "!=":
				return x != n
			case ">=":
				return x >= n
			case "<=":
				return x <= n
			case ">":
				return x > n
			}
			return x < n
		})
	}
	return func(r *Result) bool {
		for _, t := range terms {
			if !t(r) {
				return false
			}
		}
		return true
	}, nil
}
