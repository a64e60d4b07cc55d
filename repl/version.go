package repl

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// buildInfo is what the Go toolchain recorded in the binary: the main
// module's version (a tag, a pseudo-version naming the commit, or
// "(devel)"), and the VCS revision when built from a checkout.
type buildInfo struct {
	version, revision, time string
	modified                bool
}

// Stamps set with -ldflags -X by a build that knows better than the
// toolchain: Go records no VCS information for a git worktree (its .git
// is a file) or under -buildvcs=false, so go run ./tools/deb passes them.
var (
	stampVersion  string
	stampRevision string // the commit, with "+dirty" if the tree was
)

func readBuildInfo() buildInfo {
	b := buildInfo{version: "(devel)"}
	info, ok := debug.ReadBuildInfo()
	if ok && info.Main.Version != "" {
		b.version = info.Main.Version
	}
	if stampVersion != "" {
		b.version = stampVersion
	}
	if stampRevision != "" {
		b.revision, b.modified = strings.CutSuffix(stampRevision, "+dirty")
	}
	if !ok || b.revision != "" {
		return b
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.revision = s.Value
		case "vcs.time":
			b.time = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b
}

// Version is nsh's version as $NSH_VERSION holds it: the module version.
func Version() string { return readBuildInfo().version }

// versionText is what nsh --version prints: one "key value" line each,
// the first "nsh VERSION", so that a script can cut the field it needs.
// protocol is the plugin protocol's version, 0 in an nsh without plugins.
func versionText(protocol int) string {
	b := readBuildInfo()
	var s strings.Builder
	fmt.Fprintf(&s, "nsh %s\n", b.version)
	if b.revision != "" {
		rev := b.revision
		if b.modified {
			rev += " (modified)"
		}
		fmt.Fprintf(&s, "revision %s\n", rev)
		if b.time != "" {
			fmt.Fprintf(&s, "commit-time %s\n", b.time)
		}
	}
	fmt.Fprintf(&s, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if protocol == 0 {
		fmt.Fprintf(&s, "plugin-protocol none\n")
	} else {
		fmt.Fprintf(&s, "plugin-protocol %d\n", protocol)
	}
	return s.String()
}
