package repl

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/lang"
	"github.com/nsh-dev/nsh/nsctx"
)

// fakePlugins is a plugin host whose command pc completes "sub-cand",
// with file names only for the word "f", and sees the shell's env.
type fakePlugins struct {
	command.PluginHost
	env []string
}

func (p *fakePlugins) Commands() []command.PluginCommand {
	return []command.PluginCommand{{Name: "pc", Plugin: "p"}}
}

func (p *fakePlugins) Handler(next command.Handler) command.Handler { return next }
func (p *fakePlugins) Settled(name string) (plugin, settled bool)   { return name == "pc", true }
func (p *fakePlugins) Has(name string) bool                         { return name == "pc" }

func (p *fakePlugins) Complete(name string, args, env []string) ([]string, bool) {
	p.env = env
	if args[len(args)-1] == "f" {
		return nil, true
	}
	return []string{"sub-cand"}, false
}

// A plugin's candidates get file names only when it asks for them.
func TestCompletePluginFilesWhenAsked(t *testing.T) {
	ctx, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	if err := ctx.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	fake := &fakePlugins{}
	sh := lang.New(lang.Config{Ctx: ctx, Environ: []string{"PATH=/usr/bin:/bin", "MYVAR=1"}, Plugins: fake})
	c := &completer{sh: sh}
	complete := func(line string) []string { return completions(c, line) }
	if got := complete("pc su"); !reflect.DeepEqual(got, []string{"b-cand "}) {
		t.Errorf("pc su: %q (no file names: the plugin did not ask)", got)
	}
	if got := complete("pc f"); !reflect.DeepEqual(got, []string{"ile "}) {
		t.Errorf("pc f: %q (the file names it asked for)", got)
	}
	if !reflect.DeepEqual(fake.env, sh.Environ()) {
		t.Errorf("the plugin got env %q", fake.env)
	}
}

// completions are what Tab at the end of line offers.
func completions(c *completer, line string) []string {
	got, _ := c.Do([]rune(line), len([]rune(line)))
	var out []string
	for _, r := range got {
		out = append(out, string(r))
	}
	return out
}
