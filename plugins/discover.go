package plugins

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// Prefix is how plugin executables are named: nsh-plugin-NAME.
const Prefix = "nsh-plugin-"

// Dirs returns the directories searched for plugins: those of
// $NSH_PLUGIN_PATH (colon-separated) if it is set, else
// $XDG_DATA_HOME/nsh/plugins, else ~/.local/share/nsh/plugins.
func Dirs(env []string) []string {
	if p, ok := lookupEnv(env, "NSH_PLUGIN_PATH"); ok {
		var dirs []string
		for _, d := range filepath.SplitList(p) {
			if d != "" {
				dirs = append(dirs, d)
			}
		}
		return dirs
	}
	data, _ := lookupEnv(env, "XDG_DATA_HOME")
	if data == "" {
		home, _ := lookupEnv(env, "HOME")
		if home == "" {
			return nil
		}
		data = filepath.Join(home, ".local", "share")
	}
	return []string{filepath.Join(data, "nsh", "plugins")}
}

// found is a plugin file seen by discovery.
type found struct{ name, path string }

// scan lists the nsh-plugin-* executables in dirs; the first of a name
// wins, as in PATH. It only reads directories and stats files: nothing is
// started, nor trusted (Host.add checks each).
func scan(dirs []string) []found {
	var out []found
	seen := map[string]bool{}
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			name, ok := strings.CutPrefix(e.Name(), Prefix)
			if !ok || name == "" || seen[name] {
				continue
			}
			p := filepath.Join(dir, e.Name())
			st, err := os.Stat(p)
			if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
				continue
			}
			seen[name] = true
			out = append(out, found{name, p})
		}
	}
	return out
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
func cachePath(env []string) string {
	dir, _ := lookupEnv(env, "XDG_CACHE_HOME")
	if dir == "" {
		home, _ := lookupEnv(env, "HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "nsh", "plugins.json")
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
