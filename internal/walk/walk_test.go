package walk

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/internal/nstest"
)

// tree is a small tree with links for the walk to go through, in a fresh
// directory R:
//
//	R/tree            the tree (root's): every walk starts in it
//	R/outside/ok      reached only by tree/tout, a link root may follow
//	R/outside/secret  reached only by links the walk must refuse
type tree struct {
	r, root, ok, secret string
	before              map[string]bool // what R holds at the start
}

func newTree(t testing.TB) *tree {
	nstest.RequireRoot(t)
	r := t.TempDir()
	tr := &tree{r: r, root: filepath.Join(r, "tree"), ok: filepath.Join(r, "outside/ok"), secret: filepath.Join(r, "outside/secret")}
	dirs := map[string]os.FileMode{
		"tree": 0o755, "tree/sub/deeper": 0o755, "tree/a": 0o755, "tree/u/d": 0o755,
		"tree/w": 0o777, "tree/s": 0o777 | os.ModeSticky, "tree/g": 0o775,
		"outside/ok/d": 0o755, "outside/secret/d": 0o755,
	}
	for d, mode := range dirs {
		p := filepath.Join(r, d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"tree/u", "tree/u/d"} {
		if err := os.Chown(filepath.Join(r, d), nstest.AttackerUID, nstest.AttackerUID); err != nil {
			t.Fatal(err)
		}
	}
	// Links root may follow: root's, in directories no one else can
	// change, pointing inside the tree (or at outside/ok).
	for name, target := range map[string]string{
		"trel": "sub", "tabs": tr.root + "/sub", "tslash": "sub/", "tdot": ".",
		"tchain": "trel", "tloop": "tloop", "tout": tr.ok, "a/tdotdot": "../sub",
		"s/srl": tr.root + "/sub", "tdangling": "nowhere",
	} {
		if err := os.Symlink(target, filepath.Join(tr.root, name)); err != nil {
			t.Fatal(err)
		}
	}
	// Links the walk must refuse: the attacker's, or root's in a
	// directory others can write; each leads out to secret.
	for name, target := range map[string]string{
		"u/ul": tr.secret, "u/urel": "../../outside/secret", "u/uloop": "uloop", "u/udot": ".",
		"u/d/uup": "../../..", "ul2": tr.secret, "s/sl": tr.secret,
	} {
		nstest.AttackerLink(t, target, filepath.Join(tr.root, name))
	}
	for _, name := range []string{"u/rootlink", "w/wl", "g/gl"} {
		if err := os.Symlink(tr.secret, filepath.Join(tr.root, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(tr.secret, "x"), []byte("secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tr.before = tr.list(t)
	return tr
}

// list is every path below R, links not followed.
func (tr *tree) list(t testing.TB) map[string]bool {
	m := map[string]bool{}
	err := filepath.WalkDir(tr.r, func(p string, _ fs.DirEntry, err error) error {
		m[p] = true
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// inside reports whether p is in the tree or in outside/ok.
func (tr *tree) inside(p string) bool {
	for _, d := range []string{tr.root, tr.ok} {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

func fdPath(t testing.TB, fd int) string {
	p, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// check walks to tree/rel (with mkdir, as pin does) and fails the test if
// it ends up (or makes anything) outside the tree and outside/ok.
func (tr *tree) check(t testing.TB, rel string) {
	p := filepath.Clean(tr.root + "/" + rel)
	if !strings.HasPrefix(p, tr.root+"/") {
		return // the path itself leaves the tree: no link to blame
	}
	d, err := Parent(p, true)
	if err == nil {
		if dir := fdPath(t, d.Fd); !tr.inside(dir) {
			t.Errorf("%q: walked to %s", rel, dir)
		}
		if d.Name != filepath.Base(p) {
			t.Errorf("%q: last component %q, want %q", rel, d.Name, filepath.Base(p))
		}
		if fd, err := unix.Openat(d.Fd, d.Name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0); err == nil {
			if f := fdPath(t, fd); !tr.inside(f) {
				t.Errorf("%q: its last component is %s", rel, f)
			}
			unix.Close(fd)
		}
		d.Close()
	} else {
		var le *LinkError
		var pe *os.PathError
		if !errors.As(err, &le) && !errors.As(err, &pe) {
			t.Errorf("%q: %T %v", rel, err, err)
		}
	}
	// What the walk made: in the tree or outside/ok only, then removed.
	var made []string
	for p := range tr.list(t) {
		if !tr.before[p] {
			made = append(made, p)
			if !tr.inside(p) {
				t.Errorf("%q: made %s", rel, p)
			}
		}
	}
	for _, p := range made {
		os.RemoveAll(p)
	}
}

func TestParent(t *testing.T) {
	tr := newTree(t)
	for rel, want := range map[string]string{
		"sub/deeper/x": tr.root + "/sub/deeper", "trel/x": tr.root + "/sub",
		"tchain/deeper/x": tr.root + "/sub/deeper", "tslash/x": tr.root + "/sub",
		"tout/d/x": tr.ok + "/d", "a/tdotdot/x": tr.root + "/sub", "s/srl/x": tr.root + "/sub",
		"tdot/tdot/x": tr.root, "trel": tr.root, "u/ul": tr.root + "/u",
	} {
		d, err := Parent(tr.root+"/"+rel, false)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if got := fdPath(t, d.Fd); got != want {
			t.Errorf("%s: walked to %s, want %s", rel, got, want)
		}
		d.Close()
	}
	for rel, want := range map[string]string{
		"u/ul/x":               "symbolic link " + tr.root + "/u/ul is not followed: it is owned by uid 1000",
		"ul2/x":                "symbolic link " + tr.root + "/ul2 is not followed: it is owned by uid 1000",
		"u/rootlink/x":         "directory " + tr.root + "/u is owned by uid 1000",
		"w/wl/x":               "directory " + tr.root + "/w is writable by others (mode 777)",
		"g/gl/x":               "directory " + tr.root + "/g is writable by its group (mode 775)",
		"s/sl/x":               "it is owned by uid 1000",
		"tloop/x":              "too many levels of symbolic links",
		"tdangling/x":          "no such file",
		"sub/deeper/nowhere/x": "no such file",
	} {
		_, err := Parent(tr.root+"/"+rel, false)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", rel, err, want)
		}
	}
	// Who else could change the directories on the way.
	for rel, open := range map[string]string{"sub/x": "", "u/d/x": tr.root + "/u", "s/x": "", "w/x": tr.root + "/w"} {
		d, err := Parent(tr.root+"/"+rel, false)
		if err != nil {
			t.Fatal(err)
		}
		if d.Open != open {
			t.Errorf("%s: Open %q (%s), want %q", rel, d.Open, d.Why, open)
		}
		d.Close()
	}
	// mkdir makes what is missing, through links it may follow only.
	d, err := Parent(tr.root+"/trel/new/deeper/x", true)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if st, err := os.Stat(tr.root + "/sub/new/deeper"); err != nil || !st.IsDir() {
		t.Errorf("mkdir through trel: %v", err)
	}
	if _, err := Parent(tr.root+"/u/ul/new/x", true); err == nil {
		t.Error("mkdir through u/ul")
	}
	if _, err := os.Stat(tr.secret + "/new"); err == nil {
		t.Error("mkdir through u/ul made secret/new")
	}
}

// words are the names the tree holds, and the ones a path may be made of
// besides: picks of FuzzParent index them.
var words = strings.Fields("sub deeper a u d w s g trel tabs tslash tdot tchain tloop tout tdotdot srl tdangling " +
	"ul urel uloop udot uup ul2 sl rootlink wl gl outside secret ok tree x new .. . /")

// FuzzParent walks paths in the tree, made of words (picks indexes them)
// followed by raw: whatever the path, the walk never panics, never ends up
// outside the tree through a link it must refuse, and never makes
// anything there.
func FuzzParent(f *testing.F) {
	tr := newTree(f)
	f.Add([]byte{}, "sub/x")
	f.Add([]byte{3, 18}, "x")                 // u/ul
	f.Add([]byte{3, 19, 4}, "x")              // u/urel/d
	f.Add([]byte{3, 4, 22, 28, 29, 4}, "x")   // u/d/uup/outside/secret/d
	f.Add([]byte{14, 4}, "x")                 // tout/d
	f.Add([]byte{13}, "x")                    // tloop
	f.Add([]byte{10, 36, 32}, "/")            // tslash / x
	f.Add([]byte{35, 11, 34, 3, 21, 18}, "x") // ./tdot/../u/udot/ul
	f.Add([]byte{2, 15, 1, 33}, "x")          // a/tdotdot/deeper/new
	f.Fuzz(func(t *testing.T, picks []byte, raw string) {
		if len(picks) > 64 || len(raw) > 512 || strings.IndexByte(raw, 0) >= 0 {
			return
		}
		var rel strings.Builder
		for _, b := range picks {
			rel.WriteString(words[int(b)%len(words)] + "/")
		}
		tr.check(t, rel.String()+raw)
	})
}
