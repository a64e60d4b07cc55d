package nsctx

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsfs"
)

// isPin reports whether path, followed, is a namespace file.
func isPin(path string) bool {
	var fs unix.Statfs_t
	return unix.Statfs(path, &fs) == nil && fs.Type == unix.NSFS_MAGIC
}

func TestPinAllAndUnpin(t *testing.T) {
	c := newCtx(t)
	dir := nstest.PinDir(t)
	if _, err := c.PinAll(dir); err == nil {
		t.Error("pinning a context that is all home should fail")
	}
	if err := c.Unshare([]nsfs.Kind{nsfs.Net, nsfs.UTS}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	pins, err := c.PinAll(filepath.Join(dir, "lab"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pins) != 2 || pins[0].Kind != nsfs.Net || pins[1].Kind != nsfs.UTS {
		t.Fatalf("pins: %+v", pins)
	}
	// A host tool sees the same namespace through the pin.
	nstest.RequireTool(t, "nsenter")
	out, err := exec.Command("nsenter", "--net="+pins[0].Path, "readlink", "/proc/self/ns/net").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := readlinkNS(t, c, nsfs.Net); strings.TrimSpace(string(out)) != want {
		t.Errorf("nsenter through pin: %s, context: %s", out, want)
	}
	// Pins lists them.
	all, err := Pins()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, p := range all {
		for _, q := range pins {
			if p == q {
				found++
			}
		}
	}
	if found != 2 {
		t.Errorf("Pins() found %d of our 2 pins in %+v", found, all)
	}
	// A pinned namespace can be joined after going home.
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	h, err := c.Open(pins[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := c.Join(h); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pin(nsfs.Net, pins[0].Path); err == nil {
		t.Error("pinning over an existing pin should fail")
	}
	for _, p := range pins {
		if err := Unpin(p.Path); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(p.Path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there after unpin", p.Path)
		}
	}
	if err := Unpin(filepath.Join(dir, "lab")); !errors.Is(err, ErrNotPin) {
		t.Errorf("unpin of a directory: %v", err)
	}
}

// A pin never hides nor removes a file with data: it goes onto a new or
// an empty file, and unpin removes only an empty one.
func TestPinKeepsFiles(t *testing.T) {
	c := newCtx(t)
	dir := nstest.PinDir(t)
	if err := c.Unshare([]nsfs.Kind{nsfs.Net}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if err := os.WriteFile(data, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink("data", link); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		data:               "not empty",
		link:               "symbolic link",
		dir + "/sub/":      "ends in '/'",
		filepath.Dir(data): "is a directory",
	} {
		if _, err := c.Pin(nsfs.Net, path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("pin onto %s: %v, want %q", path, err, want)
		}
	}
	if b, err := os.ReadFile(data); err != nil || string(b) != "keep me\n" || isPin(data) {
		t.Errorf("%s after refused pins: %q, %v", data, b, err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pin(nsfs.Net, empty); err != nil {
		t.Fatal(err)
	}
	if err := Unpin(empty); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(empty); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there after unpin: %v", empty, err)
	}
	// A pin someone else made over a file with data: unpin unmounts it
	// and keeps the file.
	h, err := c.OpenCurrent(nsfs.Net)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := unix.Mount("/proc/self/fd/"+strconv.Itoa(h.Fd()), data, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	if err := Unpin(data); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(data); err != nil || string(b) != "keep me\n" {
		t.Errorf("%s after unpin: %q, %v", data, b, err)
	}
}

// A shared directory that holds pins already is not bound onto itself to
// pin a mount namespace: the copy would hide those pins for good.
func TestPinMountNamespaceKeepsPins(t *testing.T) {
	c := newCtx(t)
	dir := sharedDir(t)
	// Unchanged propagation: the context's copy of dir stays its peer,
	// so a pin of the context's mount namespace there would loop.
	if err := c.Unshare([]nsfs.Kind{nsfs.Net, nsfs.Mnt}, PropUnchanged); err != nil {
		t.Fatal(err)
	}
	netPin, err := c.Pin(nsfs.Net, filepath.Join(dir, "net"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pin(nsfs.Mnt, filepath.Join(dir, "mnt")); err == nil || !strings.Contains(err.Error(), "holds mounts already") {
		t.Errorf("pin mnt into a shared directory with pins: %v", err)
	}
	if err := Unpin(netPin.Path); err != nil {
		t.Errorf("the net pin is no longer reachable: %v", err)
	}
}

// sharedDir is a fresh directory that is a shared mount of its own.
func sharedDir(t *testing.T) string {
	dir := filepath.Join(nstest.PinDir(t), "shared")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(dir, dir, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("none", dir, "", unix.MS_SHARED, ""); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A mount namespace pinned into a shared directory: the directory is bound
// onto itself, private, by fd, and the pin goes there.
func TestPinMountNamespaceSharedDir(t *testing.T) {
	c := newCtx(t)
	dir := sharedDir(t)
	// Unchanged propagation: the context's copy of dir is its peer.
	if err := c.Unshare([]nsfs.Kind{nsfs.Mnt}, PropUnchanged); err != nil {
		t.Fatal(err)
	}
	p, err := c.Pin(nsfs.Mnt, filepath.Join(dir, "mnt"))
	if err != nil {
		t.Fatal(err)
	}
	if ms := nsfs.MountsUnder(dir); len(ms) != 3 {
		t.Errorf("mounts at %s: %v, want the pin, the private bind under it and the shared one", dir, ms)
	}
	checkMntPin(t, c, p.Path)
	if err := c.Unpin(p.Path); err != nil {
		t.Error(err)
	}
}

// checkMntPin checks that a host tool entering the pin at path is in the
// context's mount namespace.
func checkMntPin(t *testing.T, c *Context, path string) {
	t.Helper()
	nstest.RequireTool(t, "nsenter")
	out, err := exec.Command("nsenter", "--mount="+path, "readlink", "/proc/self/ns/mnt").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := readlinkNS(t, c, nsfs.Mnt); strings.TrimSpace(string(out)) != want {
		t.Errorf("nsenter through pin: %s, context: %s", out, want)
	}
}

// Mount namespaces can only be pinned on a mount that is not shared: Pin
// prepares the directory the way iproute2 prepares /run/netns.
func TestPinMountNamespace(t *testing.T) {
	c := newCtx(t)
	dir := nstest.PinDir(t)
	if _, err := c.Pin(nsfs.Mnt, filepath.Join(dir, "home-mnt")); err == nil {
		t.Error("pinning the home mount namespace in itself should fail")
	}
	if err := c.Unshare([]nsfs.Kind{nsfs.Mnt}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	p, err := c.Pin(nsfs.Mnt, filepath.Join(dir, "m", "mnt"))
	if err != nil {
		t.Fatal(err)
	}
	checkMntPin(t, c, p.Path)
	if err := Unpin(p.Path); err != nil {
		t.Error(err)
	}
}

func TestRelativePinUsesContextCwd(t *testing.T) {
	c := newCtx(t)
	dir := nstest.PinDir(t)
	if err := c.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	if err := c.Unshare([]nsfs.Kind{nsfs.IPC}, PropPrivate); err != nil {
		t.Fatal(err)
	}
	p, err := c.Pin(nsfs.IPC, "x/ipc")
	if err != nil {
		t.Fatal(err)
	}
	if p.Path != filepath.Join(dir, "x/ipc") {
		t.Errorf("pinned at %s", p.Path)
	}
}

func TestParseMountinfo(t *testing.T) {
	line := `412 29 0:4 net:[4026532290] /run/netns/a\040b rw shared:5 - nsfs nsfs rw`
	p, ok := parseMountinfo(line)
	if !ok || p.Kind != nsfs.Net || p.Ino != 4026532290 || p.Path != "/run/netns/a b" {
		t.Errorf("%+v %v", p, ok)
	}
	if _, ok := parseMountinfo(`22 1 8:1 / / rw - ext4 /dev/vda rw`); ok {
		t.Error("ext4 mount taken for a pin")
	}
}

// Pinning from the context thread itself (a script runs there) still
// mounts in the home mount namespace, where the host sees the pin: from
// inside a new mount (and time) namespace, and after leaving them.
func TestPinFromContextThread(t *testing.T) {
	c := newCtx(t)
	dir := nstest.PinDir(t)
	var inside, after PinInfo
	var pinErr, unpinErr error
	c.Run(func() {
		if pinErr = c.Unshare([]nsfs.Kind{nsfs.Mnt, nsfs.UTS, nsfs.Time}, PropPrivate); pinErr != nil {
			return
		}
		if inside, pinErr = c.Pin(nsfs.UTS, filepath.Join(dir, "uts")); pinErr != nil {
			return
		}
		if pinErr = c.GoHome(); pinErr != nil {
			return
		}
		after, pinErr = c.Pin(nsfs.Net, filepath.Join(dir, "net"))
	})
	if pinErr != nil {
		t.Fatal(pinErr)
	}
	for _, p := range []PinInfo{inside, after} {
		if !isPin(p.Path) {
			t.Fatalf("%s is no pin in the home mount namespace", p.Path)
		}
	}
	c.Run(func() { unpinErr = c.Unpin(inside.Path) })
	if unpinErr != nil {
		t.Fatal(unpinErr)
	}
	if isPin(inside.Path) {
		t.Errorf("%s still pinned after Unpin from the context thread", inside.Path)
	}
	if err := Unpin(after.Path); err != nil {
		t.Fatal(err)
	}
}
