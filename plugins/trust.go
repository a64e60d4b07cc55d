package plugins

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// checkTrust refuses a plugin that someone other than its owner and root
// could change: nsh runs as root, so whoever can write the file (or rename
// things in a directory above it) could run code as root. The file and every
// directory up to / must be owned by root or by the user running nsh, and
// not writable by group or others. A directory with the sticky bit (/tmp)
// may be writable by all: others cannot replace entries they do not own.
func checkTrust(path string) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	real, err = filepath.Abs(real)
	if err != nil {
		return err
	}
	st, err := os.Stat(real)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", real)
	}
	if st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not executable", real)
	}
	if err := trusted(real, st, "it"); err != nil {
		return err
	}
	for dir := filepath.Dir(real); ; dir = filepath.Dir(dir) {
		dst, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if err := trusted(dir, dst, "directory "+dir); err != nil {
			return err
		}
		if dir == "/" {
			return nil
		}
	}
}

func trusted(path string, st fs.FileInfo, what string) error {
	sys := st.Sys().(*syscall.Stat_t)
	if uid := int(sys.Uid); uid != 0 && uid != os.Geteuid() {
		return fmt.Errorf("%s is owned by uid %d, not root or the user running nsh; "+
			"whoever owns it could run code as that user", what, uid)
	}
	perm := st.Mode().Perm()
	if perm&0o022 == 0 || st.IsDir() && st.Mode()&fs.ModeSticky != 0 {
		return nil
	}
	who := "others"
	if perm&0o002 == 0 {
		who = "its group"
	}
	return fmt.Errorf("%s is writable by %s (mode %s), so they could change what nsh runs as root; fix with: chmod go-w %s",
		what, who, st.Mode(), path)
}
