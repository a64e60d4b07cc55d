package main

import (
	"bytes"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
)

// The package builds twice to the same bytes, installs with dpkg -i, and
// gives a working nsh, man page and system plugin; it is purged after,
// also if the test fails.
func TestDebPackage(t *testing.T) {
	nstest.RequireRoot(t)
	for _, tool := range []string{"dpkg-deb", "dpkg", "man", "git"} {
		nstest.RequireTool(t, tool)
	}
	first, err := build(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	second, err := build(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if a, b := sum(t, first), sum(t, second); a != b {
		t.Errorf("two builds differ: %x %x (diffoscope %s %s)", a, b, first, second)
	}

	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "nsh").Output(); err == nil &&
		strings.Contains(string(out), "installed") {
		t.Fatalf("a package nsh is installed already (%s): the test would replace it", out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("dpkg", "--purge", "nsh").CombinedOutput(); err != nil {
			t.Errorf("dpkg --purge nsh: %v\n%s", err, out)
		}
		if _, err := os.Stat("/usr/bin/nsh"); err == nil {
			t.Error("/usr/bin/nsh is left after the purge")
		}
	})
	// Minimal images exclude man pages and docs from packages
	// (/etc/dpkg/dpkg.cfg.d); what is tested here must be installed.
	install(t, "--path-include=/usr/share/man/man1/nsh.1.gz", "--path-include=/usr/share/doc/nsh/*", "-i", first)

	status := output(t, nil, "dpkg-query", "-W", "-f=${Depends}", "nsh")
	for _, dep := range []string{"util-linux", "iproute2"} {
		if !strings.Contains(status, dep) {
			t.Errorf("Depends %q lacks %s", status, dep)
		}
	}
	src, err := readSource("")
	if err != nil {
		t.Fatal(err)
	}
	version := output(t, nil, "/usr/bin/nsh", "--version")
	rev, dirty := strings.CutSuffix(src.revision, "+dirty")
	want := "nsh " + src.version + "\nrevision " + rev
	if dirty {
		want += " (modified)"
	}
	if !strings.HasPrefix(version, want+"\n") {
		t.Errorf("nsh --version:\n%s\nwant it to start:\n%s", version, want)
	}
	if man := output(t, nil, "man", "-w", "nsh"); man != "/usr/share/man/man1/nsh.1.gz" {
		t.Errorf("man -w nsh = %q", man)
	}
	for _, doc := range []string{"README.md", "usage.md", "builtins.md", "plugins.md"} {
		if _, err := os.Stat(filepath.Join("/usr/share/doc/nsh", doc)); err != nil {
			t.Error(err)
		}
	}

	// The example plugin runs from the system directory inside a fresh
	// network namespace, where only lo is.
	home := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CACHE_HOME=" + home + "/cache"}
	got := output(t, append(env, "NSH_PLUGIN_PATH=/usr/lib/nsh/plugins"), "/usr/bin/nsh", "-c", "unshare net; netinfo")
	if !strings.HasPrefix(got, "lo ") || strings.Contains(got, "\n") {
		t.Errorf("netinfo in a new net namespace: %q, want lo alone", got)
	}
	// Without NSH_PLUGIN_PATH nsh finds it in the system directory, and
	// plugin list says it came from there.
	got = output(t, env, "/usr/bin/nsh", "-c", "unshare net; netinfo")
	if !strings.HasPrefix(got, "lo ") || strings.Contains(got, "\n") {
		t.Errorf("netinfo from the system plugin directory: %q, want lo alone", got)
	}
	if got := output(t, env, "/usr/bin/nsh", "-c", "plugin list"); !strings.Contains(got, "system") {
		t.Errorf("plugin list does not say netinfo came from the system directory:\n%s", got)
	}
}

func install(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("dpkg", args...).CombinedOutput(); err != nil {
		t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func output(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func sum(t *testing.T, path string) [32]byte {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(data)
}
