package plugins

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Prefix is how plugin executables are named: nsh-plugin-NAME.
const Prefix = "nsh-plugin-"

// System directories searched after the user's own when NSH_PLUGIN_PATH
// is unset: what the administrator installs, then what packages install.
var systemDirs = []searchDir{{"/usr/local/lib/nsh/plugins", "local"}, {"/usr/lib/nsh/plugins", "system"}}

// searchDir is a directory searched for plugins, and where plugin list
// says a plugin in it came from.
type searchDir struct{ path, origin string }

// Dirs returns the directories searched for plugins, in order: those of
// $NSH_PLUGIN_PATH (colon-separated) if it is set, else the user's own
// ($XDG_DATA_HOME/nsh/plugins, else ~/.local/share/nsh/plugins), then
// /usr/local/lib/nsh/plugins and /usr/lib/nsh/plugins.
func Dirs(env []string) []string {
	dirs, _ := searchDirs(env)
	var out []string
	for _, d := range dirs {
		out = append(out, d.path)
	}
	return out
}

// searchDirs is Dirs with origins, and warnings about entries ignored: a
// relative NSH_PLUGIN_PATH entry would name another directory after every
// cd, so it is refused rather than resolved.
func searchDirs(env []string) (dirs []searchDir, warnings []string) {
	if p, ok := lookupEnv(env, "NSH_PLUGIN_PATH"); ok {
		for _, d := range filepath.SplitList(p) {
			switch {
			case d == "":
			case !filepath.IsAbs(d):
				warnings = append(warnings, fmt.Sprintf("NSH_PLUGIN_PATH entry %q is not an absolute path: ignored", clean(d, maxLine, false)))
			default:
				dirs = append(dirs, searchDir{filepath.Clean(d), "NSH_PLUGIN_PATH"})
			}
		}
		return dirs, warnings
	}
	if user := xdgPath(env, "XDG_DATA_HOME", ".local/share", "plugins"); user != "" {
		dirs = append(dirs, searchDir{user, "user"})
	}
	return append(dirs, systemDirs...), nil
}

// found is a plugin file seen by discovery.
type found struct{ name, path, origin string }

// scan lists the nsh-plugin-* executables in dirs, in order, all of them:
// a later one of a name stands in for an earlier one that is refused
// (Host.discover). It only reads directories and stats files: nothing is
// started, nor trusted (Host.add checks each).
func scan(dirs []searchDir) []found {
	var out []found
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir.path)
		if err != nil {
			continue
		}
		for _, e := range ents {
			name, ok := strings.CutPrefix(e.Name(), Prefix)
			if !ok || name == "" || leftover(name) {
				continue
			}
			p := filepath.Join(dir.path, e.Name())
			st, err := os.Stat(p)
			if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
				continue
			}
			out = append(out, found{name, p, dir.origin})
		}
	}
	return out
}

// leftover reports whether a file name is a package manager's or an
// editor's copy (nsh-plugin-x.dpkg-new while dpkg installs), no plugin.
func leftover(name string) bool {
	for _, s := range []string{".dpkg-new", ".dpkg-old", ".dpkg-tmp", ".dpkg-dist", ".rpmnew", ".rpmsave", "~"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// cacheEntry is what a plugin said about itself, valid while its file
// keeps the same path, size and modification time.
type cacheEntry struct {
	Size     int64     `json:"size"`
	Mtime    int64     `json:"mtime"`
	Version  string    `json:"version"`
	Commands []Command `json:"commands"`
	Broken   string    `json:"broken,omitempty"` // why describing it failed
}

type cacheFile struct {
	Version int                    `json:"version"`
	Plugins map[string]*cacheEntry `json:"plugins"`
}

const cacheVersion = 1

// cachePath is $XDG_CACHE_HOME/nsh/plugins.json, else
// ~/.cache/nsh/plugins.json; "" when neither can be known.
func cachePath(env []string) string { return xdgPath(env, "XDG_CACHE_HOME", ".cache", "plugins.json") }

// xdgPath is $key/nsh/name, else ~/home/nsh/name (the XDG base
// directories); "" when neither can be known.
func xdgPath(env []string, key, home, name string) string {
	dir, _ := lookupEnv(env, key)
	if dir == "" {
		h, _ := lookupEnv(env, "HOME")
		if h == "" {
			return ""
		}
		dir = filepath.Join(h, home)
	}
	return filepath.Join(dir, "nsh", name)
}

func loadCache(path string) map[string]*cacheEntry {
	c := cacheFile{}
	if path != "" {
		if b, err := os.ReadFile(path); err == nil {
			if json.Unmarshal(b, &c) != nil || c.Version != cacheVersion {
				c.Plugins = nil
			}
		}
	}
	if c.Plugins == nil {
		c.Plugins = map[string]*cacheEntry{}
	}
	// Only nsh writes the cache, from checked descriptions: an entry that
	// does not pass the check again is dropped, and described afresh.
	for path, e := range c.Plugins {
		var err error
		if e != nil && e.Broken != "" {
			e.Broken, e.Version, e.Commands = clean(e.Broken, maxError, false), "", nil
		} else if e != nil {
			e.Version, e.Commands, err = checkDescribed(e.Version, e.Commands)
		}
		if e == nil || err != nil {
			delete(c.Plugins, path)
		}
	}
	return c.Plugins
}

// saveCache writes the cache atomically. Failing to is not an error: the
// plugins are described again next time.
func saveCache(path string, entries map[string]*cacheEntry) {
	if path == "" {
		return
	}
	b, err := json.MarshalIndent(cacheFile{cacheVersion, entries}, "", " ")
	if err != nil {
		return
	}
	if os.MkdirAll(filepath.Dir(path), 0o700) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".plugins-*.json")
	if err != nil {
		return
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil && cerr == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}

func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}
