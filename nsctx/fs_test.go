package nsctx_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

// Stat and Access see files as the context does: in its mount namespace
// (entered by the thread, or only by programs after unshare user) and
// from its working directory.
func TestFSStatAccess(t *testing.T) {
	for _, user := range []bool{false, true} {
		c := newContext(t)
		kinds, opts := []nsfs.Kind{nsfs.Mnt}, nsctx.UnshareOptions{Prop: nsctx.PropPrivate}
		if user {
			kinds, opts.User = []nsfs.Kind{nsfs.User, nsfs.Mnt}, nsctx.MapRoot()
		}
		if err := c.UnshareWith(kinds, opts); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		run(t, c, "mount", "-t", "tmpfs", "tmpfs", dir)
		run(t, c, "sh", "-c", "cd "+dir+" && touch file && chmod 600 file && ln -s file link && ln -s none dangling && mkdir sub")
		if err := c.Chdir(dir); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Lstat(filepath.Join(dir, "file")); err == nil {
			t.Fatal("the host sees the tmpfs")
		}
		err := c.Files(func(fs nsctx.FS) error {
			for _, tc := range []struct {
				path   string
				follow bool
				typ    uint32 // 0: it does not exist
			}{
				{"file", true, unix.S_IFREG},
				{dir + "/file", true, unix.S_IFREG},
				{"link", false, unix.S_IFLNK},
				{"link", true, unix.S_IFREG},
				{"dangling", false, unix.S_IFLNK},
				{"dangling", true, 0},
				{"sub", true, unix.S_IFDIR},
				{"sub/../file", true, unix.S_IFREG},
				{"none", true, 0},
				{"", true, 0},
			} {
				st, err := fs.Stat(tc.path, tc.follow)
				switch {
				case tc.typ == 0 && err == nil:
					t.Errorf("user %v: Stat(%q, %v) found it", user, tc.path, tc.follow)
				case tc.typ != 0 && err != nil:
					t.Errorf("user %v: Stat(%q, %v): %v", user, tc.path, tc.follow, err)
				case tc.typ != 0 && st.Mode&unix.S_IFMT != tc.typ:
					t.Errorf("user %v: Stat(%q, %v): type %o, want %o", user, tc.path, tc.follow, st.Mode&unix.S_IFMT, tc.typ)
				}
			}
			if err := fs.Access("file", unix.R_OK|unix.W_OK); err != nil {
				t.Errorf("user %v: file not readable and writable: %v", user, err)
			}
			if err := fs.Access("file", unix.X_OK); !errors.Is(err, unix.EACCES) {
				t.Errorf("user %v: file (0600) executable: %v", user, err)
			}
			if err := fs.Access("sub", unix.X_OK); err != nil {
				t.Errorf("user %v: directory not searchable: %v", user, err)
			}
			if err := fs.Access("none", unix.F_OK); !errors.Is(err, unix.ENOENT) {
				t.Errorf("user %v: Access of a missing file: %v", user, err)
			}
			if err := fs.Access("", unix.F_OK); !errors.Is(err, unix.ENOENT) {
				t.Errorf("user %v: Access of \"\": %v", user, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
