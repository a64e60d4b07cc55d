package builtins_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
)

// testFiles makes one file of each kind test tells apart, in a new
// directory that becomes the context's working directory.
func testFiles(t *testing.T, ctx *nsctx.Context) string {
	t.Helper()
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(at("file"), []byte("data\n"), 0o644))
	must(os.WriteFile(at("empty"), nil, 0o644))
	must(os.WriteFile(at("exe"), []byte("#!/bin/sh\n"), 0o755))
	must(os.WriteFile(at("noperm"), []byte("x"), 0))
	must(os.Mkdir(at("dir"), 0o755))
	must(os.Symlink("file", at("link")))
	must(os.Symlink("none", at("dangling")))
	must(os.Symlink("dir", at("dirlink")))
	must(os.Link(at("file"), at("hard")))
	must(unix.Mkfifo(at("fifo"), 0o644))
	must(unix.Mknod(at("chr"), unix.S_IFCHR|0o600, int(unix.Mkdev(1, 3))))
	must(unix.Mknod(at("blk"), unix.S_IFBLK|0o600, int(unix.Mkdev(7, 0))))
	l, err := net.Listen("unix", at("sock"))
	must(err)
	t.Cleanup(func() { l.Close() })
	for name, mode := range map[string]os.FileMode{"suid": os.ModeSetuid, "sgid": os.ModeSetgid, "sticky": os.ModeSticky} {
		must(os.WriteFile(at(name), nil, 0o755))
		must(os.Chmod(at(name), 0o755|mode))
	}
	must(os.WriteFile(at("other"), nil, 0o644))
	must(os.Chown(at("other"), 1234, 1234))
	day := func(d int) time.Time { return time.Date(2021, 1, d, 0, 0, 0, 0, time.UTC) }
	must(os.WriteFile(at("old"), nil, 0o644))
	must(os.Chtimes(at("old"), day(1), day(1)))
	must(os.WriteFile(at("new"), nil, 0o644))
	must(os.Chtimes(at("new"), day(2), day(2)))
	must(os.Chtimes(at("file"), day(3), day(2)))  // read after its change
	must(os.Chtimes(at("empty"), day(1), day(2))) // changed since read
	must(ctx.Chdir(dir))
	return dir
}

// testCases are test's arguments and the status bash gives them (checked
// by hand against bash 5.2 in the same directory).
var testCases = []struct {
	args   string
	status int
}{
	// POSIX's rules by the number of arguments.
	{"", 1},
	{"a", 0},
	{"''", 1},
	{"-n", 0},
	{"-z", 0},
	{"!", 0},
	{"-e", 0},
	{"(", 0},
	{"! a", 1},
	{"! ''", 0},
	{"-n a", 0},
	{"-n ''", 1},
	{"-z ''", 0},
	{"-z a", 1},
	{"a b", 2},
	{"-? a", 2},
	{"! !", 1},
	{"a = a", 0},
	{"a = b", 1},
	{"! = !", 0},
	{"-n = -n", 0},
	{"= = =", 0},
	{"( = (", 0},
	{"! -z a", 0},
	{"! a = a", 1},
	{"( a )", 0},
	{"( '' )", 1},
	{"a -a b", 0},
	{"a -a ''", 1},
	{"'' -o b", 0},
	{"'' -o ''", 1},
	{"-a -a -a", 0},
	{"a b c", 2},
	{"! a = b", 0},
	{"! ! a = a", 0},
	{"( a = a )", 0},
	{"( a = b )", 1},
	{"( -n a )", 0},
	{"! ( a )", 1},
	{"a b c d", 2},
	{"-t", 0},
	{"-t 0", 1},
	{"-t x", 1},
	{"-t 1 1", 2},
	// The grammar, from five arguments on, and -a before -o.
	{"a = x -a b = x -o c = c", 0},
	{"a = a -o b = x -a c = x", 0},
	{"( a = x -a b = x ) -o c = c", 0},
	{"a = x -a ( b = x -o c = c )", 1},
	{"! a = b -a c = c", 0},
	{"! ( a = a -o b = b )", 1},
	{"a -a b -a c", 0},
	{"a -a '' -o c", 0},
	{"'' -o '' -o ''", 1},
	{"-f -a ! -f", 2},
	{"a -a b c", 2},
	{"( a -a b ) c", 2},
	{"a -a", 2},
	{"( a", 2},
	{"( a b", 2},
	{"-z a -o", 2},
	{"a = b )", 2},
	{"! ! ! a = a -a b", 1},
	{"-o errexit -o ! -o x", 0},
	{"1 -eq 1 -o a -eq 1", 2},
	// Strings.
	{"a != b", 0},
	{"a != a", 1},
	{"a == a", 0},
	{"abc = ab*", 1},
	{"abc != ab*", 0},
	{"a < b", 0},
	{"b < a", 1},
	{"B < a", 0},
	{"a > b", 1},
	{"ab > a", 0},
	{"'' < a", 0},
	// Integers.
	{"3 -gt 4", 1},
	{"3 -lt 4", 0},
	{"' 3' -lt '4 '", 0},
	{"3 -eq 03", 0},
	{"3 -eq 04", 1},
	{"3 -ne 03", 1},
	{"3 -le 3", 0},
	{"3 -le 2", 1},
	{"3 -ge 4", 1},
	{"4 -ge 4", 0},
	{"-1 -lt +1", 0},
	{"010 -eq 8", 1},
	{"010 -eq 10", 0},
	{"-9223372036854775808 -lt 9223372036854775807", 0},
	{"1000000000123 -lt 100", 1},
	{"a -eq 1", 2},
	{"1 -eq ''", 2},
	{"0x10 -eq 16", 2},
	{"1.0 -eq 1", 2},
	{"99999999999999999999 -eq 1", 2},
	{"3 -lt", 2},
	// Files.
	{"-e file", 0},
	{"-a file", 0},
	{"-e none", 1},
	{"-e ''", 1},
	{"-e dir", 0},
	{"-e dangling", 1},
	{"-e link", 0},
	{"-f file", 0},
	{"-f dir", 1},
	{"-f link", 0},
	{"-f none", 1},
	{"-f fifo", 1},
	{"-d dir", 0},
	{"-d dirlink", 0},
	{"-d file", 1},
	{"-d .", 0},
	{"-d ..", 0},
	{"-L link", 0},
	{"-h dangling", 0},
	{"-L file", 1},
	{"-h ''", 1},
	{"-p fifo", 0},
	{"-p file", 1},
	{"-S sock", 0},
	{"-S file", 1},
	{"-c chr", 0},
	{"-c blk", 1},
	{"-b blk", 0},
	{"-b chr", 1},
	{"-c /dev/null", 0},
	{"-s file", 0},
	{"-s empty", 1},
	{"-s none", 1},
	{"-r file", 0},
	{"-w file", 0},
	{"-x file", 1},
	{"-x exe", 0},
	{"-x dir", 0},
	{"-r noperm", 0}, // root reads anything
	{"-x noperm", 1},
	{"-r none", 1},
	{"-u suid", 0},
	{"-u file", 1},
	{"-g sgid", 0},
	{"-g file", 1},
	{"-k sticky", 0},
	{"-k file", 1},
	{"-O file", 0},
	{"-O other", 1},
	{"-G file", 0},
	{"-G other", 1},
	{"-N empty", 0},
	{"-N file", 1},
	{"new -nt old", 0},
	{"old -nt new", 1},
	{"new -ot old", 1},
	{"old -ot new", 0},
	{"old -nt none", 0},
	{"none -nt old", 1},
	{"none -ot old", 0},
	{"old -ot none", 1},
	{"none -nt none", 1},
	{"file -nt file", 1},
	{"file -ef hard", 0},
	{"file -ef link", 0},
	{"file -ef empty", 1},
	{"file -ef none", 1},
	{"dir -ef dirlink", 0},
	{"! -e none", 0},
	{"-e file -a -d dir", 0},
	{"-e none -o -d dir", 0},
	{"-f file -a ( -d none -o -L link )", 0},
}

func TestTest(t *testing.T) {
	ctx := utilCtx(t)
	dir := testFiles(t, ctx)
	sh := newUtilShell()
	sh.opts["errexit"] = true
	sh.opts["nounset"] = false
	for _, tc := range testCases {
		args := words(tc.args)
		if _, _, st, err := call(ctx, sh, nil, append([]string{"test"}, args...)...); st != tc.status {
			t.Errorf("test %s: status %d (%v), want %d", tc.args, st, err, tc.status)
		}
		if _, _, st, err := call(ctx, sh, nil, append(append([]string{"["}, args...), "]")...); st != tc.status {
			t.Errorf("[ %s ]: status %d (%v), want %d", tc.args, st, err, tc.status)
		}
	}
	// Absolute paths, and the directory as the context sees it.
	for args, status := range map[string]int{
		"-f " + dir + "/file": 0,
		"-d " + dir + "/file": 1,
		"-e " + dir + "/none": 1,
	} {
		if _, _, st, _ := call(ctx, sh, nil, append([]string{"test"}, words(args)...)...); st != status {
			t.Errorf("test %s: status %d, want %d", args, st, status)
		}
	}
}

// The messages of a malformed test, as bash's.
func TestTestErrors(t *testing.T) {
	ctx := builtins.FakeCtx(t)
	sh := newUtilShell()
	for args, msg := range map[string]string{
		"[ a":                     "missing `]'",
		"[ 1 -eq 1 ] ]":           "too many arguments",
		"test a b":                "a: unary operator expected",
		"test -? a":               "-?: unary operator expected",
		"test a b c":              "b: binary operator expected",
		"test a b c d":            "too many arguments",
		"test a -a b -z":          "syntax error: `-z' unexpected",
		"test a -a":               "a: unary operator expected",
		"test a -a b -a":          "argument expected",
		"test ( a b c d":          "`)' expected, found b",
		"test ( a = a":            "`)' expected",
		"test a -eq 1":            "a: integer expression expected",
		"test 1 -lt x -o 1 = 1":   "x: integer expression expected",
		"test 1 -lt 2 -o y -lt 1": "y: integer expression expected",
	} {
		_, _, st, err := call(ctx, sh, nil, words(args)...)
		if st != 2 || err == nil || err.Error() != msg {
			t.Errorf("%s: status %d, error %v; want 2, %q", args, st, err, msg)
		}
	}
}

// -v and -o ask the shell; -t looks at the command's own descriptors.
func TestTestShell(t *testing.T) {
	ctx := builtins.FakeCtx(t)
	sh := newUtilShell()
	sh.vars["a"], sh.vars["b"] = "x", ""
	sh.params = []string{"one"}
	sh.opts["errexit"], sh.opts["noglob"] = true, false
	for args, status := range map[string]int{
		"-v a":                   0,
		"-v b":                   0,
		"-v c":                   1,
		"-v a -a -v b -a ! -v c": 0,
		"-v 0":                   0,
		"-v 1":                   0,
		"-v 2":                   1,
		"-o errexit":             0,
		"-o noglob":              1,
		"-o nosuch":              1,
		"-R a":                   1,
	} {
		if _, _, st, err := call(ctx, sh, nil, append([]string{"test"}, words(args)...)...); st != status {
			t.Errorf("test %s: status %d (%v), want %d", args, st, err, status)
		}
	}
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skip("no pseudo-terminal:", err)
	}
	defer tty.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	b, _ := builtins.Lookup("test")
	for _, tc := range []struct {
		env    *command.Env
		args   string
		status int
	}{
		{&command.Env{Stdin: tty}, "-t 0", 0},
		{&command.Env{Stdin: null}, "-t 0", 1},
		{&command.Env{Stdout: tty}, "-t 1", 0},
		{&command.Env{Stdout: null}, "-t", 0}, // one argument: not empty
		{&command.Env{Stdout: null}, "-t 1", 1},
		{&command.Env{Stdout: tty}, "! -t 1", 1},
		{&command.Env{Stdout: tty}, "-t 1 -a -t 1 -a -t 1", 0},
		{&command.Env{Stdout: tty}, "-t x -o x", 2},
		{&command.Env{Stderr: tty}, "-t 2", 0},
		{&command.Env{Files: []*os.File{nil, tty}}, "-t 4", 0},
		{&command.Env{Files: []*os.File{nil, tty}}, "-t 3", 1},
		{&command.Env{Stdin: tty}, "-t 10", 1},
		{&command.Env{Stdin: tty}, "-t ' 0 '", 0},
	} {
		e := *tc.env
		e.Ctx, e.Shell = ctx, sh
		if e.Stdin == nil {
			e.Stdin = strings.NewReader("")
		}
		if e.Stdout == nil {
			e.Stdout = &strings.Builder{}
		}
		if e.Stderr == nil {
			e.Stderr = &strings.Builder{}
		}
		if st := command.Status(b.Call(&e, append([]string{"test"}, words(tc.args)...))); st != tc.status {
			t.Errorf("test %s with %+v: status %d, want %d", tc.args, *tc.env, st, tc.status)
		}
	}
}

// In a background job, files are where the job started (Env.Snap), not
// where the shell has gone since.
func TestTestInSnapshot(t *testing.T) {
	ctx := utilCtx(t)
	testFiles(t, ctx)
	snap, err := ctx.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if err := ctx.Chdir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	b, _ := builtins.Lookup("test")
	for _, tc := range []struct {
		snap   *nsctx.Snapshot
		status int
	}{{nil, 1}, {snap, 0}} {
		env := &command.Env{Stdin: strings.NewReader(""), Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Ctx: ctx, Shell: newUtilShell(), Snap: tc.snap}
		for _, args := range [][]string{{"test", "-f", "file"}, {"test", "-r", "file"}} {
			if st := command.Status(b.Call(env, args)); st != tc.status {
				t.Errorf("%v with snapshot %v: status %d, want %d", args, tc.snap != nil, st, tc.status)
			}
		}
	}
}
