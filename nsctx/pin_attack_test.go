package nsctx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsfs"
)

// The attacks of issue 9 on pin and unpin, by uid 1000 against root's nsh,
// in a tree of the test's own: ROOT (root's) holds u/ (the attacker's) and
// secret/ (root's: files with data, root's pins).
type attackTree struct {
	root, u, secret string
	keep            map[string]string // secret's files and their data
}

const secretData = "10 bytes!\n"

func newAttackTree(t *testing.T) *attackTree {
	root := nstest.PinDir(t)
	a := &attackTree{root: root, u: nstest.AttackerDir(t, root, "u"), secret: filepath.Join(root, "secret"), keep: map[string]string{}}
	if err := os.Mkdir(a.secret, 0o755); err != nil {
		t.Fatal(err)
	}
	return a
}

// secretFile puts a file with data in secret/.
func (a *attackTree) secretFile(t *testing.T, name string) {
	if err := os.WriteFile(filepath.Join(a.secret, name), []byte(secretData), 0o644); err != nil {
		t.Fatal(err)
	}
	a.keep[name] = secretData
}

// intact reports (and fails the test) whether the attack won: a pin under
// root but outside u/ other than those in allowed, or a file in secret/ that
// was made, changed or covered.
func (a *attackTree) intact(t *testing.T, allowed ...string) bool {
	t.Helper()
	ok := true
	pins, err := Pins()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pins {
		if strings.HasPrefix(p.Path, a.root+"/") && !strings.HasPrefix(p.Path, a.u+"/") && !contains(allowed, p.Path) {
			t.Errorf("a pin landed outside the attacker's directory: %s", p.Path)
			ok = false
		}
	}
	ents, err := os.ReadDir(a.secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		p := filepath.Join(a.secret, e.Name())
		if contains(allowed, p) {
			continue
		}
		want, kept := a.keep[e.Name()]
		if !kept {
			t.Errorf("a file was made outside the attacker's directory: %s", p)
			ok = false
			continue
		}
		if b, err := os.ReadFile(p); err != nil || string(b) != want || isPin(p) {
			t.Errorf("%s was changed or covered: %q, %v", p, b, err)
			ok = false
		}
	}
	return ok
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// attackerSwap makes u/d a directory and u/l the attacker's link to secret/.
func (a *attackTree) attackerSwap(t *testing.T) (d, l string) {
	d, l = filepath.Join(a.u, "d"), filepath.Join(a.u, "l")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(d, nstest.AttackerUID, nstest.AttackerUID); err != nil {
		t.Fatal(err)
	}
	nstest.AttackerLink(t, a.secret, l)
	return d, l
}

// The attacker swaps u/d, a directory, and u/l, a link to secret/, while
// root pins u/d/dataN (an empty file in u/d, with data in secret/) and
// u/d/newN (nowhere yet): no pin may land in secret/ and no file be made
// there.
func TestPinRaceSymlinkSwap(t *testing.T) {
	c := newCtx(t)
	a := newAttackTree(t)
	if err := c.Unshare([]nsfs.Kind{nsfs.Net}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	d, l := a.attackerSwap(t)
	const n = 300
	for i := range n {
		name := "data" + itoa(i)
		a.secretFile(t, name)
		if err := os.WriteFile(filepath.Join(d, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stop := nstest.Exchange(t, d, l)
	made := 0
	deadline := time.Now().Add(3 * time.Second)
	for i := 0; i < n && time.Now().Before(deadline); i++ {
		for _, name := range []string{"data" + itoa(i), "new" + itoa(i)} {
			if _, err := c.Pin(nsfs.Net, filepath.Join(d, name)); err == nil {
				made++
			}
		}
		if !a.intact(t) {
			break
		}
	}
	stop()
	a.intact(t)
	t.Logf("%d pins made while the attacker swapped", made)
}

// The attacker swaps u/d and u/l (a link to secret/, which holds root's pin
// secret/net) while root pins and unpins u/d/net: root's pin stays.
func TestUnpinRaceSymlinkSwap(t *testing.T) {
	c := newCtx(t)
	a := newAttackTree(t)
	if err := c.Unshare([]nsfs.Kind{nsfs.Net}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(a.secret, "net")
	if _, err := c.Pin(nsfs.Net, victim); err != nil {
		t.Fatal(err)
	}
	d, l := a.attackerSwap(t)
	stop := nstest.Exchange(t, d, l)
	unpinned := 0
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		c.Pin(nsfs.Net, filepath.Join(d, "net"))
		if c.Unpin(filepath.Join(d, "net")) == nil {
			unpinned++
		}
		if !isPin(victim) {
			t.Errorf("root's pin %s was unpinned through the attacker's link", victim)
			break
		}
	}
	stop()
	if _, err := os.Lstat(victim); err != nil {
		t.Errorf("root's pin file: %v", err)
	}
	a.intact(t, victim)
	t.Logf("%d pins unpinned while the attacker swapped", unpinned)
}

// A link someone else could have made or changed is not followed: one the
// attacker owns, root's own link in the attacker's directory, root's link
// in a directory all may write. Pin and unpin through them are refused,
// and say which link and why.
func TestPinUnpinRefuseUntrustedLinks(t *testing.T) {
	c := newCtx(t)
	a := newAttackTree(t)
	if err := c.Unshare([]nsfs.Kind{nsfs.Net}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	a.secretFile(t, "data")
	victim := filepath.Join(a.secret, "net")
	if _, err := c.Pin(nsfs.Net, victim); err != nil {
		t.Fatal(err)
	}
	w := filepath.Join(a.root, "w")
	if err := os.Mkdir(w, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(w, 0o777); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		filepath.Join(a.u, "l"):  "owned by uid 1000",
		filepath.Join(a.u, "rl"): "directory " + a.u + " is owned by uid 1000",
		filepath.Join(w, "rl"):   "directory " + w + " is writable by others",
	}
	nstest.AttackerLink(t, a.secret, filepath.Join(a.u, "l"))
	for _, l := range []string{filepath.Join(a.u, "rl"), filepath.Join(w, "rl")} {
		if err := os.Symlink(a.secret, l); err != nil {
			t.Fatal(err)
		}
	}
	for l, why := range links {
		for _, p := range []string{l + "/new", l + "/data", l + "/sub/new"} {
			_, err := c.Pin(nsfs.Net, p)
			if err == nil || !strings.Contains(err.Error(), "symbolic link "+l) || !strings.Contains(err.Error(), why) {
				t.Errorf("pin %s: %v, want a refusal naming %s and %q", p, err, l, why)
			}
		}
		p := l + "/net"
		if err := c.Unpin(p); err == nil || !strings.Contains(err.Error(), "symbolic link "+l) {
			t.Errorf("unpin %s: %v, want a refusal naming %s", p, err, l)
		}
		if err := Unpin(p); err == nil || !strings.Contains(err.Error(), "symbolic link "+l) {
			t.Errorf("Unpin %s: %v, want a refusal naming %s", p, err, l)
		}
	}
	if !isPin(victim) {
		t.Errorf("root's pin %s was unpinned through a link", victim)
	}
	a.intact(t, victim)
}

// Through a directory others can write, a context unpins the pins it made
// itself and no others: there, what a path names is up to them.
func TestUnpinUntrustedDirOnlyOwnPins(t *testing.T) {
	c, other := newCtx(t), newCtx(t)
	a := newAttackTree(t)
	for _, x := range []*Context{c, other} {
		if err := x.Unshare([]nsfs.Kind{nsfs.Net}, PropPrivate); err != nil {
			t.Fatal(err)
		}
	}
	own, theirs := filepath.Join(a.u, "own"), filepath.Join(a.u, "theirs")
	if _, err := c.Pin(nsfs.Net, own); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Pin(nsfs.Net, theirs); err != nil {
		t.Fatal(err)
	}
	why := "directory " + a.u + " on the way is owned by uid 1000"
	if err := c.Unpin(theirs); err == nil || !strings.Contains(err.Error(), why) {
		t.Errorf("unpin of another's pin in the attacker's directory: %v, want %q", err, why)
	}
	if err := Unpin(own); err == nil || !strings.Contains(err.Error(), why) {
		t.Errorf("Unpin, which made no pin, in the attacker's directory: %v, want %q", err, why)
	}
	for _, p := range []string{own, theirs} {
		if !isPin(p) {
			t.Errorf("%s unpinned by a refused unpin", p)
		}
	}
	if err := c.Unpin(own); err != nil {
		t.Error(err)
	}
	if err := other.Unpin(theirs); err != nil {
		t.Error(err)
	}
	for _, p := range []string{own, theirs} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s after unpin: %v", p, err)
		}
	}
	// Once unpinned, the path is no longer this context's: a pin made
	// there by another is refused.
	if _, err := other.Pin(nsfs.Net, own); err != nil {
		t.Fatal(err)
	}
	if err := c.Unpin(own); err == nil || !strings.Contains(err.Error(), why) {
		t.Errorf("unpin of another's pin where this context's was: %v", err)
	}
	if err := other.Unpin(own); err != nil {
		t.Error(err)
	}
}

// A link root owns in a directory only root can write is followed (as
// /var/run -> /run), by pin, pin DIR and unpin; directories pin makes are
// root's, mode 0755.
func TestPinThroughTrustedLink(t *testing.T) {
	c := newCtx(t)
	dir := nstest.PinDir(t)
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real+"/", filepath.Join(dir, "abs")); err != nil {
		t.Fatal(err)
	}
	if err := c.Unshare([]nsfs.Kind{nsfs.Net, nsfs.UTS}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "link", "sub", "net")
	if _, err := c.Pin(nsfs.Net, p); err != nil {
		t.Fatal(err)
	}
	if !isPin(filepath.Join(real, "sub", "net")) {
		t.Fatalf("no pin at %s/sub/net", real)
	}
	pins, err := c.PinAll(filepath.Join(dir, "abs", "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"sub", "a", "a/b"} {
		st, err := os.Stat(filepath.Join(real, d))
		if err != nil || !st.IsDir() || st.Mode().Perm() != 0o755&^umask() {
			t.Errorf("%s/%s: %v %v, want a directory of mode %o", real, d, st.Mode(), err, 0o755&^umask())
		}
	}
	for _, q := range append(pins, PinInfo{Path: p}) {
		if err := c.Unpin(q.Path); err != nil {
			t.Error(err)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(real, "a", "b"))
	if len(ents) != 0 || isPin(filepath.Join(real, "sub", "net")) {
		t.Errorf("left after unpin: %v", ents)
	}
}

func umask() os.FileMode {
	m := unix.Umask(0)
	unix.Umask(m)
	return os.FileMode(m)
}
