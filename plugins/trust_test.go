package plugins

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Links that only root could have made, through directories only root can
// change, are followed: relative ones, "..", absolute ones, a link to a
// directory, a root-owned link in a sticky directory.
func TestTrustedLinkChain(t *testing.T) {
	base := openTempDir(t)
	good := goodPlugin(t, mkdir(t, filepath.Join(base, "bin"), 0o755, 0))
	symlink(t, "bin", filepath.Join(base, "lib"), 0)
	symlink(t, good, filepath.Join(base, "bin", "alias"), 0)
	sticky := mkdir(t, filepath.Join(base, "tmp"), 0o777|os.ModeSticky, 0)
	symlink(t, "../lib/./alias", filepath.Join(sticky, Prefix+"test"), 0)
	if err := checkErr(filepath.Join(sticky, Prefix+"test")); err != nil {
		t.Fatal(err)
	}
	h := newTestHost(t, sticky)
	if out := h.mustCall("techo", "x"); !strings.Contains(out, "args=x") {
		t.Errorf("techo through the links: %q", out)
	}
}

// A link is refused, saying why, when someone other than root could have
// made it or could change what it leads to.
func TestUntrustedLinks(t *testing.T) {
	base := openTempDir(t)
	good := goodPlugin(t, mkdir(t, filepath.Join(base, "bin"), 0o755, 0))
	att := mkdir(t, filepath.Join(base, "att"), 0o755, attackerUID)
	gw := mkdir(t, filepath.Join(base, "gw"), 0o775, 0)
	sticky := mkdir(t, filepath.Join(base, "tmp"), 0o777|os.ModeSticky, 0)
	dir := mkdir(t, filepath.Join(base, "plugins"), 0o755, 0)
	at := func(d, name string) string { return filepath.Join(d, name) }

	symlink(t, good, at(att, "x"), 0)
	symlink(t, good, at(gw, "x"), 0)
	symlink(t, good, at(sticky, "x"), attackerUID)
	symlink(t, at(att, "mid"), at(dir, "via-att"), 0)
	symlink(t, good, at(att, "mid"), 0)
	symlink(t, "loop2", at(dir, "loop1"), 0)
	symlink(t, "loop1", at(dir, "loop2"), 0)
	symlink(t, "../bin", at(dir, "to-dir"), 0)
	symlink(t, good+"/x", at(dir, "through-file"), 0)
	symlink(t, "nosuch", at(dir, "dangling"), 0)
	for path, want := range map[string]string{
		at(att, "x"):            "directory " + att + " is owned by uid 1000",
		at(gw, "x"):             "directory " + gw + " is writable by its group",
		at(sticky, "x"):         "link " + at(sticky, "x") + " is owned by uid 1000",
		at(dir, "via-att"):      "directory " + att + " is owned by uid 1000",
		at(dir, "loop1"):        "too many levels of symbolic links",
		at(dir, "to-dir"):       filepath.Join(base, "bin") + " is not a regular file",
		at(dir, "through-file"): "not a directory",
		at(dir, "dangling"):     "no such file or directory",
	} {
		if err := checkErr(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
}

// nsh executes a plugin through a descriptor of the file it checked; the
// SDK closes it, so what the plugin starts does not inherit it.
func TestPluginKeepsNoDescriptorOfItsFile(t *testing.T) {
	dir := pluginDir(t, map[string]string{"test": "test"})
	h := newTestHost(t, dir)
	out := h.mustCall("tfds")
	if strings.Contains(out, filepath.Join(dir, Prefix+"test")) || !strings.Contains(out, "\n2 ") {
		t.Errorf("the plugin's descriptors:\n%s", out)
	}
}

// A script is executed through the descriptor too: its interpreter opens
// /proc/self/fd/3.
func TestScriptPlugin(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\nexec " + filepath.Join(built(t), Prefix+"test") + "\n"
	if err := os.WriteFile(filepath.Join(dir, Prefix+"sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	h := newTestHost(t, dir)
	if out := h.mustCall("techo", "from a script"); !strings.Contains(out, "args=from a script") {
		t.Errorf("techo: %q", out)
	}
}

// BenchmarkOpenPlugin: the trust walk of a plugin in a temporary directory
// (what discovery pays per plugin, and a process start once).
func BenchmarkOpenPlugin(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, Prefix+"x")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		f, _, err := openPlugin(path)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
