package nsinfo

import (
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/nsh-dev/nsh/nsctx"
	"golang.org/x/sys/unix"
)

// names caches /run/netns: a prompt asks for the name of the context's
// network namespace every time it is drawn.
var names struct {
	sync.Mutex
	mtime unix.Timespec
	ino   uint64
	valid bool
	byID  map[nsctx.ID][]string
	// pending are entries that were not pins when read: ip netns add
	// creates the file, then mounts it. They are checked on every call.
	pending []string
}

// NetnsName returns the ip netns name of a network namespace ("" if it has
// none; the first in order if it has several). It stats /run/netns and only
// reads it again when it changed, so it is cheap enough for every prompt.
// It looks at nsh's home mount namespace: call it off the context thread.
func NetnsName(id nsctx.ID) string {
	if n := NetnsNames(id); len(n) > 0 {
		return n[0]
	}
	return ""
}

// NetnsNames returns every ip netns name of a network namespace, sorted.
func NetnsNames(id nsctx.ID) []string {
	names.Lock()
	defer names.Unlock()
	var st unix.Stat_t
	if err := unix.Stat(nsctx.NetnsDir, &st); err != nil {
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
func readNetnsDir() (map[nsctx.ID][]string, []string) {
	ents, err := os.ReadDir(nsctx.NetnsDir)
	if err != nil {
		return nil, nil
	}
	var pending []string
	m := map[nsctx.ID][]string{}
	for _, e := range ents {
		p := filepath.Join(nsctx.NetnsDir, e.Name())
		var st unix.Stat_t
		if !isNsfs(p) || unix.Stat(p, &st) != nil {
			pending = append(pending, p)
			continue
		}
		id := nsctx.ID{Dev: st.Dev, Ino: st.Ino}
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
	NetnsNames(nsctx.ID{}) // refreshes the cache when /run/netns changed
	names.Lock()
	defer names.Unlock()
	var all []string
	for _, v := range names.byID {
		all = append(all, v...)
	}
	sort.Strings(all)
	return all
}
