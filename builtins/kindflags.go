package builtins

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nsh-dev/nsh/nsfs"
)

// util-linux's unshare and nsenter name kinds by options (-n, --net);
// nsh by words (net). The options are taken where they map cleanly.
var (
	kindLetters = map[byte]nsfs.Kind{'m': nsfs.Mnt, 'u': nsfs.UTS, 'i': nsfs.IPC, 'n': nsfs.Net,
		'p': nsfs.PID, 'U': nsfs.User, 'C': nsfs.Cgroup, 'T': nsfs.Time}
	kindLongs = map[string]nsfs.Kind{"mount": nsfs.Mnt, "uts": nsfs.UTS, "ipc": nsfs.IPC, "net": nsfs.Net,
		"pid": nsfs.PID, "user": nsfs.User, "cgroup": nsfs.Cgroup, "time": nsfs.Time}
)

// kindOptions takes util-linux's kind options out of args (up to "--")
// and returns the rest, with the kinds' names as operands at the end.
// Letters in keep stay options (unshare's -r); letters in drop mean
// nothing to nsh (unshare -f: nsh always forks pid's init) and go. A
// word with another letter is left for the flag parser to refuse.
// --KIND=FILE is refused with hint(KIND, FILE).
func kindOptions(args []string, keep, drop string, longDrop []string, hint func(k nsfs.Kind, file string) string) ([]string, error) {
	out := []string{args[0]}
	var kinds []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			out = append(out, args[i:]...)
			break
		}
		if long, ok := strings.CutPrefix(a, "--"); ok {
			name, file, hasFile := strings.Cut(long, "=")
			k, isKind := kindLongs[name]
			switch {
			case isKind && hasFile:
				return nil, usageError("%s: %s", a, hint(k, file))
			case isKind:
				kinds = append(kinds, k.String())
			case !slices.Contains(longDrop, long):
				out = append(out, a)
			}
			continue
		}
		if len(a) < 2 || a[0] != '-' || !allIn(a[1:], keep+drop) {
			out = append(out, a)
			continue
		}
		for _, c := range []byte(a[1:]) {
			switch {
			case strings.IndexByte(keep, c) >= 0:
				out = append(out, "-"+string(c))
			case strings.IndexByte(drop, c) >= 0:
			default:
				kinds = append(kinds, kindLetters[c].String())
			}
		}
	}
	return append(out, kinds...), nil
}

// allIn reports whether every letter of s is a kind letter or in extra.
func allIn(s, extra string) bool {
	for _, c := range []byte(s) {
		if _, ok := kindLetters[c]; !ok && strings.IndexByte(extra, c) < 0 {
			return false
		}
	}
	return true
}

// mountProcFlag is --mount-proc[=DIR] as util-linux spells it; nsh
// mounts the new /proc on /proc only.
type mountProcFlag bool

func (m *mountProcFlag) String() string   { return fmt.Sprint(bool(*m)) }
func (m *mountProcFlag) IsBoolFlag() bool { return true }
func (m *mountProcFlag) Set(s string) error {
	switch s {
	case "true", "/proc", "/proc/":
		*m = true
	case "false":
		*m = false
	default:
		return fmt.Errorf("--mount-proc=%s: nsh mounts the new /proc on /proc only", s)
	}
	return nil
}
