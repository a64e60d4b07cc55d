package builtins

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

// bin makes directories with programs (executable files) and a plain
// file, for the PATH searches of type, command and .: a/prog, b/prog,
// a/lib (not executable).
func bin(t *testing.T) (a, b string) {
	dir := t.TempDir()
	a, b = filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, f := range []struct {
		path string
		mode os.FileMode
	}{{filepath.Join(a, "prog"), 0o755}, {filepath.Join(b, "prog"), 0o755}, {filepath.Join(a, "lib"), 0o644}, {filepath.Join(b, "echo"), 0o755}} {
		os.MkdirAll(filepath.Dir(f.path), 0o755)
		if err := os.WriteFile(f.path, []byte("#!/bin/sh\n"), f.mode); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(b, "dir"), 0o755)
	return a, b
}

func TestEvalExecLang(t *testing.T) {
	runLangCases(t, []langCase{
		{"eval joins", "eval echo 'a  b' c", "eval[echo a  b c]\n", ""},
		{"eval nothing", "eval", "", ""},
		{"eval blank", "eval '' ' '", "", ""},
		{"exec runs and exits", "exec ip link", "command[\"ip\" \"link\"]\nexit 0\n", ""},
		{"exec dashdash", "exec -- ip", "command[\"ip\"]\nexit 0\n", ""},
		{"exec alone", "exec", "", ""},
	}, nil)
	runLangCases(t, []langCase{
		{"exec status", "exec false", "command[\"false\"]\nexit 3\n", ""},
	}, func(f *fakeLang) { f.cmdErr = command.ExitStatus(3) })
	runLangCases(t, []langCase{
		{"exec not found", "exec nosuch", "command[\"nosuch\"]\nexit 127\n", "t.sh:1: exec: nosuch: not found"},
	}, func(f *fakeLang) { f.cmdErr = &command.StatusError{Code: 127, Err: errorString("nosuch: not found")} })
	runLangCases(t, []langCase{
		{"exec exit", "exec exit 4", "command[\"exit\" \"4\"]\nexit 4\n", ""},
	}, func(f *fakeLang) { f.cmdErr = &command.ExitRequest{Code: 4} })
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestCommandTypeLang(t *testing.T) {
	a, b := bin(t)
	path := a + ":" + b
	setup := func(f *fakeLang) {
		f.Assign("PATH", path)
		f.lookups["prog"] = "file " + a + "/prog"
		f.lookups["if"] = "keyword"
		f.lookups["tplug"] = "plugin"
		f.funcs["f"] = "echo hi"
		f.aliases["ll"] = "ls -l"
	}
	runLangCases(t, []langCase{
		{"command runs", "command ip link", "command[\"ip\" \"link\"]\n", ""},
		{"command alone", "command", "", ""},
		{"command -v program", "command -v prog", a + "/prog\n", ""},
		{"command -v builtin", "command -v cd", "cd\n", ""},
		{"command -v function", "command -v f", "f\n", ""},
		{"command -v keyword", "command -v if", "if\n", ""},
		{"command -v alias", "command -v ll", "alias ll='ls -l'\n", ""},
		{"command -v none", "command -v nosuch", "? 1\n", ""},
		{"command -v some", "command -v nosuch cd", "cd\n", ""},
		{"command -V", "command -V prog cd : f ll if tplug", "prog is " + a + "/prog\ncd is a shell builtin\n: is a special shell builtin\nf is a function\nf() {\n    echo hi\n}\nll is an alias for ls -l\nif is a shell keyword\ntplug is a plugin command\n", ""},
		{"command -V none", "command -V nosuch", "? 1\n", "t.sh:1: command: nosuch: not found"},
		{"command -p runs from the standard PATH", "command -p cd /", "command[\"cd\" \"/\"]\n", ""},
		{"command bad option", "command -o echo", "? 2\n", "-o"},
		{"command -vo", "command -vo echo", "? 2\n", "-o"},
		{"command dashdash", "command -- ip", "command[\"ip\"]\n", ""},

		{"type", "type prog cd : f ll if", "prog is " + a + "/prog\ncd is a shell builtin\n: is a special shell builtin\nf is a function\nf() {\n    echo hi\n}\nll is an alias for ls -l\nif is a shell keyword\n", ""},
		{"type none", "type nosuch", "? 1\n", "t.sh:1: type: nosuch: not found"},
		{"type some", "type cd nosuch", "cd is a shell builtin\n? 1\n", "nosuch: not found"},
		{"type -t", "type -t prog cd : f ll if tplug", "file\nbuiltin\nbuiltin\nfunction\nalias\nkeyword\nplugin\n", ""},
		{"type -t none", "type -t nosuch", "? 1\n", ""},
		{"type -p", "type -p prog cd", a + "/prog\n", ""},
		{"type -P", "type -P prog echo", a + "/prog\n" + b + "/echo\n", ""},
		{"type -P none", "type -P lib", "? 1\n", ""},
		{"type -a", "type -a prog", "prog is " + a + "/prog\nprog is " + b + "/prog\n", ""},
		{"type -at", "type -at prog", "file\nfile\n", ""},
		{"type -aP", "type -aP prog", a + "/prog\n" + b + "/prog\n", ""},
		{"type bad option", "type -o echo", "? 2\n", "-o"},
	}, setup)
	// With a builtin echo (the other helper's), type -a lists it first.
	if _, ok := Lookup("echo"); ok {
		runLangCases(t, []langCase{{"type -a echo", "type -a echo", "echo is a shell builtin\necho is " + b + "/echo\n", ""}}, setup)
	}
}

// command -p looks programs up in the standard PATH, not $PATH.
func TestCommandStandardPath(t *testing.T) {
	f := newFakeLang()
	f.Assign("PATH", "/nonexistent")
	out, errs := f.script("command -p sh -c true\ncommand -pv sh\ncommand -pV cd")
	sh, err := findInPath(&command.Env{}, "sh", defaultPath, true, false)
	if err != nil || len(sh) == 0 {
		t.Fatalf("no sh in %s: %v", defaultPath, err)
	}
	want := `command["` + sh[0] + `" "-c" "true"]` + "\n" + sh[0] + "\ncd is a shell builtin\n"
	if out != want || errs != "" {
		t.Errorf("got %q (%s), want %q", out, errs, want)
	}
}

// findInPath sees files as the context does: through it, and in a mount
// namespace of its own, what is mounted there.
func TestFindInPathInContext(t *testing.T) {
	nstest.RequireRoot(t)
	a, b := bin(t)
	c, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	env := &command.Env{Ctx: c}
	for _, tc := range []struct {
		name     string
		exe, all bool
		want     []string
	}{
		{"prog", true, false, []string{a + "/prog"}},
		{"prog", true, true, []string{a + "/prog", b + "/prog"}},
		{"lib", true, true, nil},
		{"lib", false, false, []string{a + "/lib"}},
		{"dir", false, false, nil},
		{"none", false, false, nil},
	} {
		got, err := findInPath(env, tc.name, a+"::"+b, tc.exe, tc.all)
		if err != nil || len(got) != len(tc.want) || len(got) > 0 && got[0] != tc.want[0] || len(got) > 1 && got[1] != tc.want[1] {
			t.Errorf("findInPath(%s, exe %v, all %v) = %q, %v; want %q", tc.name, tc.exe, tc.all, got, err, tc.want)
		}
	}
	// An empty entry is the context's working directory.
	if err := c.Chdir(a); err != nil {
		t.Fatal(err)
	}
	if got, err := findInPath(env, "lib", "/nonexistent:", false, false); err != nil || len(got) != 1 || got[0] != "./lib" {
		t.Errorf("lib in the working directory: %q %v", got, err)
	}
	// In a mount namespace of its own, a file mounted over another.
	if err := c.Unshare([]nsfs.Kind{nsfs.Mnt}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(func() error { return unix.Mount("tmpfs", b, "tmpfs", 0, "") }); err != nil {
		t.Fatal(err)
	}
	if got, err := findInPath(env, "prog", b, true, false); err != nil || len(got) != 0 {
		t.Errorf("prog under a tmpfs in the context: %q %v", got, err)
	}
	if _, err := os.Stat(b + "/prog"); err != nil {
		t.Errorf("the tmpfs reached nsh's own namespace: %v", err)
	}
}
