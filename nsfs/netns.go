package nsfs

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// NetnsDir is where iproute2 keeps named network namespaces.
const NetnsDir = "/run/netns"

// NetnsPath returns the file of the ip netns namespace NAME, or an error
// for a name ip netns would refuse.
func NetnsPath(name string) (string, error) {
	if name == "" || len(name) > 255 || strings.Contains(name, "/") || name == "." || name == ".." {
		return "", fmt.Errorf("invalid netns name %q", name)
	}
	return filepath.Join(NetnsDir, name), nil
}

// Pin is an nsfs mount: a namespace kept alive by a bind mount of its file.
type Pin struct {
	Path string
	Kind Kind
	Ino  uint64
}

// ParsePin parses one line of /proc/PID/mountinfo and reports the nsfs
// mount (a pin) it describes. The root field of an nsfs mount is
// "KIND:[INODE]".
func ParsePin(line string) (Pin, bool) {
	m, ok := ParseMount(line)
	if !ok || m.FSType != "nsfs" {
		return Pin{}, false
	}
	kind, ino, ok := strings.Cut(strings.TrimSuffix(m.Root, "]"), ":[")
	if !ok || !strings.HasSuffix(m.Root, "]") {
		return Pin{}, false
	}
	k, err := ParseKind(kind)
	if err != nil {
		return Pin{}, false
	}
	n, err := strconv.ParseUint(ino, 10, 64)
	if err != nil {
		return Pin{}, false
	}
	return Pin{Path: m.Point, Kind: k, Ino: n}, true
}

// names caches /run/netns: a prompt asks for the name of the context's
// network namespace every time it is drawn.
var names struct {
	sync.Mutex
	mtime unix.Timespec
	ino   uint64
	valid bool
	byID  map[ID][]string
	// pending are entries that were not pins when read: ip netns add
	// creates the file, then mounts it. They are checked on every call.
	pending []string
}

// NetnsName returns the ip netns name of a network namespace ("" if it has
// none; the first in order if it has several). It stats /run/netns and only
// reads it again when it changed, so it is cheap enough for every prompt.
// It reads /run/netns as the calling thread's mount namespace sees it:
// call it off the context thread, or on it while it is in nsh's home
// mount namespace (nsctx does, to name a companion /sys), since the cache
// keeps one view.
func NetnsName(id ID) string {
	if n := NetnsNames(id); len(n) > 0 {
		return n[0]
	}
	return ""
}

// NetnsNames returns every ip netns name of a network namespace, sorted.
func NetnsNames(id ID) []string {
	names.Lock()
	defer names.Unlock()
	var st unix.Stat_t
	if err := unix.Stat(NetnsDir, &st); err != nil {
		names.valid = false
		return nil
	}
	if names.valid && st.Mtim == names.mtime && st.Ino == names.ino {
		for _, p := range names.pending {
			if isNsfs(p) {
				names.valid = false
			}
		}
	}
	if !names.valid || st.Mtim != names.mtime || st.Ino != names.ino {
		names.byID, names.pending = readNetnsDir()
		names.valid = true
		names.mtime, names.ino = st.Mtim, st.Ino
		// A change within the same clock tick as the last one would not
		// move the mtime: trust the cache only once the tick has passed.
		if time.Since(time.Unix(st.Mtim.Unix())) < 2*time.Second {
			names.valid = false
		}
	}
	return names.byID[id]
}

func isNsfs(path string) bool {
	var fs unix.Statfs_t
	return unix.Statfs(path, &fs) == nil && fs.Type == unix.NSFS_MAGIC
}

// readNetnsDir maps namespaces to their names, and lists the entries that
// are not pins (yet).
func readNetnsDir() (map[ID][]string, []string) {
	ents, err := os.ReadDir(NetnsDir)
	if err != nil {
		return nil, nil
	}
	var pending []string
	m := map[ID][]string{}
	for _, e := range ents {
		p := filepath.Join(NetnsDir, e.Name())
		var st unix.Stat_t
		if !isNsfs(p) || unix.Stat(p, &st) != nil {
			pending = append(pending, p)
			continue
		}
		id := ID{Dev: st.Dev, Ino: st.Ino}
		m[id] = append(m[id], e.Name())
	}
	for _, v := range m {
		sort.Strings(v)
	}
	return m, pending
}

// NetnsList returns every ip netns name that is a pin, sorted: for
// completing `setns NAME`. It shares NetnsName's cache.
func NetnsList() []string {
	NetnsNames(ID{}) // refreshes the cache when /run/netns changed
	names.Lock()
	defer names.Unlock()
	var all []string
	for _, v := range names.byID {
		all = append(all, v...)
	}
	sort.Strings(all)
	return all
}
