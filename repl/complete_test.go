package repl

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/lang"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

func TestComplete(t *testing.T) {
	ctx, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "prog-one"), []byte("#!/bin/sh\n"), 0o755)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "my file$"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "a dir"), 0o755)
	os.WriteFile(filepath.Join(dir, "dol$lar"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "it's`q"), nil, 0o644)
	sh := lang.New(lang.Config{Ctx: ctx, Environ: []string{"PATH=" + dir + ":/usr/bin:/bin", "MYVAR=1", "DIR=" + dir, "HOME=" + dir}})
	sh.CommandNames = func() []string { return []string{"extcmd"} }
	if err := ctx.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	c := &completer{sh: sh}
	complete := func(line string) []string { return completions(c, line) }
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"unsha", []string{"re "}},  // the builtin and /usr/bin/unshare: one choice
		{"prog-", []string{"one "}}, // from the context's PATH
		{"extc", []string{"md "}},   // from CommandNames
		{"jobs -", []string{"l "}},
		{"ns --d", nil}, // --dot is ns graph's
		{"ns graph --d", []string{"ot "}},
		{"ns graph red --d", []string{"ot "}},
		{"ns --j", []string{"son "}},
		{"unset MYV", []string{"AR"}},
		{"ns net | cat su", []string{"b/"}}, // files in the context's cwd
		{"help unp", []string{"in "}},
		{"help extc", []string{"md "}}, // a plugin's command
		{"unshare ne", []string{"t "}},
		{"LANG=C unshare ne", []string{"t "}}, // assignments before the command
		{"LANG=C prog-", []string{"one "}},
		{"if prog-", []string{"one "}}, // a command after if, then, do...
		{"cat $MYV", []string{"AR"}},   // a variable's name
		{"cat ${MYV", []string{"AR"}},
		{"cat $DIR/su", []string{"b/"}}, // names under what $DIR expands to
		{"cat ~/su", []string{"b/"}},    // and ~
		{"echo x >su", []string{"b/"}},  // a redirection's file, glued
		{"ls 2>>su", []string{"b/"}},
		{"./prog-", []string{"one "}}, // a path as the command
		{`cat "dol$`, []string{"DIR", "HOME", "IFS", "MYVAR", "OPTIND", "PATH", "PS2", "PS4"}}, // $ typed: variables, not the file dol$lar
		{"while true; do unshare ne", []string{"t "}},
		// Names are quoted as the word being typed needs them.
		{"cat my", []string{`\ file\$ `}},
		{`cat my\ f`, []string{`ile\$ `}},
		{`cat "my f`, []string{`ile\$" `}},
		{`cat 'my f`, []string{`ile$' `}},
		{"cat a", []string{`\ dir/`}},
		{"cat i", []string{"t\\'s\\`q "}},
		{"cat 'i", []string{"t'\\''s`q' "}},
		{`cat "i`, []string{"t's\\`q\" "}},
		{`cat a\ dir/../su`, []string{"b/"}},
		{`echo "x;y" | cat su`, []string{"b/"}}, // ; in quotes is no new command
		{`echo "a b" su`, []string{"b/"}},
	} {
		if got := complete(tc.line); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("complete(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
	if got := complete("set -"); !reflect.DeepEqual(got, []string{"a ", "C ", "e ", "f ", "k ", "n ", "u ", "v ", "x ", "o ", "- "}) {
		t.Errorf("set options: %q", got)
	}
	if got := complete("hel"); len(got) == 0 || got[0] != "p " {
		t.Errorf("help not offered first: %q", got)
	}
}

// After `ip link set `, the interfaces of the context's network namespace.
func TestCompleteLinkNames(t *testing.T) {
	nstest.RequireRoot(t)
	ip := nstest.RequireTool(t, "ip")
	ctx, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close() // the namespace, and the veths in it, go with it
	if err := ctx.Unshare([]nsfs.Kind{nsfs.Net}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	nstest.Output(t, ctx.Start, ip, "link", "add", "cv0", "type", "veth", "peer", "name", "cv1")
	c := &completer{sh: lang.New(lang.Config{Ctx: ctx})}
	got, _ := c.Do([]rune("ip link set c"), len("ip link set c"))
	var out []string
	for _, r := range got {
		out = append(out, string(r))
	}
	if !reflect.DeepEqual(out, []string{"v0 ", "v1 "}) {
		t.Errorf("ip link set c completes to %q", out)
	}
	got, _ = c.Do([]rune("ip link set "), len("ip link set "))
	if len(got) != 3 {
		t.Errorf("ip link set completes to %d names, want lo cv0 cv1", len(got))
	}
}
