package builtins_test

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/command"
)

const unsetIFS = "<unset>"

// readCases: IFS, read's arguments, the input; then the variables as
// "name=[value]" joined by blanks, the status and the input left, as
// bash 5.2 has them (checked by hand).
var readCases = []struct {
	ifs, args, in string
	vars          string
	status        int
	rest          string
}{
	{unsetIFS, "", "foo\n", "REPLY=[foo]", 0, ""},
	{unsetIFS, "", "  a  b  c  \n", "REPLY=[  a  b  c  ]", 0, ""},
	{unsetIFS, "", "y\nn\n", "REPLY=[y]", 0, "n\n"},
	{unsetIFS, "", "  a \\b  \n", "REPLY=[  a b  ]", 0, ""},
	{unsetIFS, "-r", " a\\b \n", "REPLY=[ a\\b ]", 0, ""},
	{unsetIFS, "a_0", "foo\n", "a_0=[foo]", 0, ""},
	{unsetIFS, "a b", "foo  bar  baz  \n", "a=[foo] b=[bar  baz]", 0, ""},
	{unsetIFS, "a b", "  x  \n", "a=[x] b=[]", 0, ""},
	{unsetIFS, "a b c", "1 2\n3\n", "a=[1] b=[2] c=[]", 0, "3\n"},
	{unsetIFS, "a", "  a  b  \n", "a=[a  b]", 0, ""},
	{unsetIFS, "a", "\\\\\n", "a=[\\]", 0, ""},
	{unsetIFS, "a", "\\a\\b\\c\n", "a=[abc]", 0, ""},
	{unsetIFS, "-r a", "\\\\\n", "a=[\\\\]", 0, ""},
	{unsetIFS, "-r a", "\\a\\b\\c\n", "a=[\\a\\b\\c]", 0, ""},
	{unsetIFS, "-r a b", "1\\\t2\n", "a=[1\\] b=[2]", 0, ""},
	{unsetIFS, "a", "line\\\ncontinuation\nnext\n", "a=[linecontinuation]", 0, "next\n"},
	{unsetIFS, "x", "a\\\nb\\\nc\n", "x=[abc]", 0, ""},
	{unsetIFS, "-r x", "foo\\\nbar\n", "x=[foo\\]", 0, "bar\n"},
	{unsetIFS, "a b", "a\\ b c\n", "a=[a b] b=[c]", 0, ""},
	{unsetIFS, "a", "x\\ \n", "a=[x ]", 0, ""},
	{unsetIFS, "a", "\\ x\n", "a=[ x]", 0, ""},
	{unsetIFS, "a b", "x\\\\ y\n", "a=[x\\] b=[y]", 0, ""},
	{unsetIFS, "a b", "x\\\ny z\n", "a=[xy] b=[z]", 0, ""},
	{unsetIFS, "a", "ab", "a=[ab]", 1, ""},
	{unsetIFS, "a", "a\\", "a=[a]", 1, ""},
	{unsetIFS, "a", "", "a=[]", 1, ""},
	{unsetIFS, "a b", "x\n", "a=[x] b=[]", 0, ""},
	{unsetIFS, "a", "a\x00b\n", "a=[ab]", 0, ""},
	{"", "a b", "  x y  \n", "a=[  x y  ] b=[]", 0, ""},
	{"", "a", "a\\ b\n", "a=[a b]", 0, ""},
	{" \t\n", "a b", "\t x \t y \n", "a=[x] b=[y]", 0, ""},
	{":", "a b c", "1:2:3\n", "a=[1] b=[2] c=[3]", 0, ""},
	{":", "a b c", "1\\:2:3\n", "a=[1:2] b=[3] c=[]", 0, ""},
	{":", "x", ":a:b:\n", "x=[:a:b:]", 0, ""},
	{":", "a", "x:\n", "a=[x]", 0, ""},
	{":", "a b", "x:y:\n", "a=[x] b=[y]", 0, ""},
	{":", "a b", "x:y::\n", "a=[x] b=[y::]", 0, ""},
	{":", "a b", ":x\n", "a=[] b=[x]", 0, ""},
	{":", "a b", "::x\n", "a=[] b=[:x]", 0, ""},
	{":", "a b", " x : y \n", "a=[ x ] b=[ y ]", 0, ""},
	{" :", "x", " :a b: \n", "x=[:a b:]", 0, ""},
	{": ", "a b", "x : y : \n", "a=[x] b=[y]", 0, ""},
	{",", "a b c", "x,,y\n", "a=[x] b=[] c=[y]", 0, ""},
	{", ", "a b c", "x , , y\n", "a=[x] b=[] c=[y]", 0, ""},
	{", ", "a b", "x , , y\n", "a=[x] b=[, y]", 0, ""},
	{", ", "a b", "x ,y z,\n", "a=[x] b=[y z,]", 0, ""},
	// Delimiters and counts.
	{unsetIFS, "-d ; a", "a:b;c", "a=[a:b]", 0, "c"},
	{unsetIFS, "-d; a", "a b;c", "a=[a b]", 0, "c"},
	{unsetIFS, "-d '' a", "a\x00b", "a=[a]", 0, "b"},
	{unsetIFS, "-d ; a", "a\\;b;c", "a=[a;b]", 0, "c"},
	{unsetIFS, "-d ; a", "a\nb;c", "a=[a\nb]", 0, "c"},
	{unsetIFS, "-n 3 a", "abcdef", "a=[abc]", 0, "def"},
	{unsetIFS, "-n3 a", "ab\ncd", "a=[ab]", 0, "cd"},
	{unsetIFS, "-n 5 a", "ab", "a=[ab]", 1, ""},
	{unsetIFS, "-n 0 a", "ab", "a=[]", 0, "ab"},
	{unsetIFS, "-n 2 a", "a\\bc", "a=[ab]", 0, "c"},
	{unsetIFS, "-r -n 2 a", "a\\bc", "a=[a\\]", 0, "bc"},
	{unsetIFS, "-n 4 a b", " x y z", "a=[x] b=[y]", 0, " z"},
	{unsetIFS, "-N 5 a b", "a b c d", "a=[a b c] b=[]", 0, " d"},
	{unsetIFS, "-N 3 a", "a\nbc", "a=[a\nb]", 0, "c"},
	{unsetIFS, "-N 3", " a b", "REPLY=[ a ]", 0, "b"},
	{unsetIFS, "-rs a", "q\n", "a=[q]", 0, ""},
	{unsetIFS, "-p prompt a", "q\n", "a=[q]", 0, ""},
	{unsetIFS, "-- a", "q\n", "a=[q]", 0, ""},
}

// readVars formats what read assigned as readCases has it.
func readVars(sh *utilShell, args []string) string {
	var names []string
	for i := 0; i < len(args); i++ {
		if a := args[i]; strings.HasPrefix(a, "-") {
			if len(a) == 2 && strings.ContainsAny(a[1:], "dnNptu") {
				i++
			}
			continue
		}
		names = append(names, args[i])
	}
	if len(names) == 0 {
		names = []string{"REPLY"}
	}
	var vs []string
	for _, n := range names {
		vs = append(vs, n+"=["+sh.vars[n]+"]")
	}
	return strings.Join(vs, " ")
}

func TestRead(t *testing.T) {
	for _, tc := range readCases {
		args := words(tc.args)
		for _, via := range []string{"pipe", "file", "reader"} {
			sh := newUtilShell()
			if tc.ifs != unsetIFS {
				sh.vars["IFS"] = tc.ifs
			}
			in, rest := readInput(t, via, tc.in)
			_, errs, st, err := call(nil, sh, in, append([]string{"read"}, args...)...)
			if got := readVars(sh, args); got != tc.vars || st != tc.status {
				t.Errorf("%s: IFS=%q read %s <<< %q: %s status %d (%v), want %s status %d", via, tc.ifs, tc.args, tc.in, got, st, err, tc.vars, tc.status)
			}
			if left := rest(); left != tc.rest {
				t.Errorf("%s: IFS=%q read %s <<< %q: left %q, want %q", via, tc.ifs, tc.args, tc.in, left, tc.rest)
			}
			if errs != "" {
				t.Errorf("%s: read %s printed %q (not a terminal: no prompt)", via, tc.args, errs)
			}
		}
	}
}

// readInput gives s as a pipe, a file or a strings.Reader, and what is
// left of it afterwards.
func readInput(t *testing.T, via, s string) (io.Reader, func() string) {
	t.Helper()
	switch via {
	case "pipe":
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() { w.WriteString(s); w.Close() }()
		return r, func() string { defer r.Close(); b, _ := io.ReadAll(r); return string(b) }
	case "file":
		f, err := os.CreateTemp(t.TempDir(), "in")
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Seek(0, io.SeekStart)
		return f, func() string { defer f.Close(); b, _ := io.ReadAll(f); return string(b) }
	}
	r := strings.NewReader(s)
	return r, func() string { b, _ := io.ReadAll(r); return string(b) }
}

// A while read loop whose body reads the same input sees the next line.
func TestReadLeavesTheRest(t *testing.T) {
	for _, via := range []string{"pipe", "file"} {
		sh := newUtilShell()
		in, rest := readInput(t, via, "1\n2\n3\n4\n")
		var got []string
		for {
			if _, _, st, _ := call(nil, sh, in, "read", "a"); st != 0 {
				break
			}
			call(nil, sh, in, "read", "b")
			got = append(got, sh.vars["a"]+sh.vars["b"])
		}
		if strings.Join(got, ",") != "12,34" || rest() != "" {
			t.Errorf("%s: got %q", via, got)
		}
	}
}

func TestReadErrors(t *testing.T) {
	sh := newUtilShell()
	sh.ro["ro"] = true
	for args, want := range map[string]struct {
		status int
		msg    string
	}{
		"read -X":      {2, "-X: invalid option"},
		"read -rX":     {2, "-X: invalid option"},
		"read -a arr":  {2, "-a: invalid option"},
		"read -p":      {2, "-p: option requires an argument"},
		"read -X -p":   {2, "-X: invalid option"},
		"read 0ab":     {1, "`0ab': not a valid identifier"},
		"read a b-c":   {1, "`b-c': not a valid identifier"},
		"read -n x a":  {1, "x: invalid number"},
		"read -t x a":  {1, "x: invalid timeout specification"},
		"read -t -1 a": {1, "-1: invalid timeout specification"},
		"read -u x a":  {1, "x: invalid file descriptor specification"},
		"read -u 5 a":  {1, "5: invalid file descriptor: bad file descriptor"},
		"read ro":      {1, "ro: readonly variable"},
		"read -t 1 a":  {1, "-t needs a file, a pipe or a terminal as input"},
		"read -t 0 a":  {1, "-t needs a file, a pipe or a terminal as input"},
	} {
		_, _, st, err := call(nil, sh, strings.NewReader("x\n"), words(args)...)
		if st != want.status || err == nil || !strings.HasPrefix(err.Error(), want.msg) {
			t.Errorf("%s: status %d, %v; want %d, %q", args, st, err, want.status, want.msg)
		}
	}
}

// -t: a timeout keeps what was read; -t 0 only looks; -u reads another
// descriptor.
func TestReadTimeoutAndFD(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	sh := newUtilShell()
	if _, _, st, _ := call(nil, sh, r, "read", "-t", "0"); st != 1 {
		t.Errorf("read -t 0 of an empty pipe: status %d, want 1", st)
	}
	w.WriteString("par")
	if _, _, st, _ := call(nil, sh, r, "read", "-t", "0"); st != 0 {
		t.Errorf("read -t 0 with input waiting: status %d, want 0", st)
	}
	if _, _, st, _ := call(nil, sh, r, "read", "-t", "0.05", "a"); st != 142 || sh.vars["a"] != "par" {
		t.Errorf("read -t 0.05: status %d, a=%q; want 142, par", st, sh.vars["a"])
	}
	w.WriteString("tial\nnext\n")
	if _, _, st, _ := call(nil, sh, r, "read", "-t", "10", "a"); st != 0 || sh.vars["a"] != "tial" {
		t.Errorf("read -t 10: status %d, a=%q; want 0, tial", st, sh.vars["a"])
	}
	b, _ := builtins.Lookup("read")
	env := &command.Env{Stdin: strings.NewReader("stdin\n"), Stdout: io.Discard, Stderr: io.Discard, Shell: sh, Files: []*os.File{nil, r}}
	if err := b.Call(env, []string{"read", "-u", "4", "a"}); err != nil || sh.vars["a"] != "next" {
		t.Errorf("read -u 4: %v, a=%q; want next", err, sh.vars["a"])
	}
	if err := b.Call(env, []string{"read", "-u", "3", "a"}); command.Status(err) != 1 {
		t.Errorf("read -u 3 (closed): %v", err)
	}
}

// On a terminal: the prompt is shown, -s turns echo off, -n and -d read
// without waiting for a whole line, and the terminal is left as it was.
func TestReadTerminal(t *testing.T) {
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skip("no pseudo-terminal:", err)
	}
	defer ptm.Close()
	defer tty.Close()
	fd := int(tty.Fd()) // now, before read uses tty: Fd makes it blocking
	lflag := func() uint32 {
		tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		return tio.Lflag
	}
	before := lflag()
	if before&unix.ECHO == 0 || before&unix.ICANON == 0 {
		t.Fatalf("the new terminal has lflag %#x", before)
	}
	for _, tc := range []struct {
		args, typed, want, echo string
		off                     uint32 // what read turns off while it reads
	}{
		{"-p 'name? ' a", "me\n", "me", "me\r\n", 0},
		{"-s a", "secret\n", "secret", "", unix.ECHO},
		{"-n 2 -t 10 a", "ab", "ab", "ab", unix.ICANON},
		{"-d , -t 10 a", "x,", "x", "x,", unix.ICANON},
	} {
		sh := newUtilShell()
		var errOut builtins.LockedBuffer
		env := &command.Env{Stdin: tty, Stdout: io.Discard, Stderr: &errOut, Shell: sh}
		b, _ := builtins.Lookup("read")
		done := make(chan error, 1)
		go func() { done <- b.Call(env, append([]string{"read"}, words(tc.args)...)) }()
		// Type once read has set the terminal up (for the prompt, once
		// it is shown).
		for tc.off != 0 && lflag()&tc.off != 0 || tc.off == 0 && errOut.String() == "" {
			select {
			case err := <-done:
				t.Fatalf("read %s ended early: %v", tc.args, err)
			case <-time.After(time.Millisecond):
			}
		}
		ptm.WriteString(tc.typed)
		if err := <-done; err != nil || sh.vars["a"] != tc.want {
			t.Errorf("read %s: %v, a=%q; want %q", tc.args, err, sh.vars["a"], tc.want)
		}
		if strings.Contains(tc.args, "-p") && errOut.String() != "name? " {
			t.Errorf("read %s: prompt %q", tc.args, errOut.String())
		}
		if got := lflag(); got != before {
			t.Errorf("read %s left lflag %#x, was %#x", tc.args, got, before)
		}
		// What the terminal echoed.
		tty.WriteString("END")
		var echoed []byte
		buf := make([]byte, 64)
		for !strings.HasSuffix(string(echoed), "END") {
			n, err := ptm.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			echoed = append(echoed, buf[:n]...)
		}
		if got := strings.TrimSuffix(string(echoed), "END"); got != tc.echo {
			t.Errorf("read %s: the terminal echoed %q, want %q", tc.args, got, tc.echo)
		}
	}
}
