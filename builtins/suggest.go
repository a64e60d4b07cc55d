package builtins

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
)

// Suggest adds the name meant to the error of a program not found
// (jobs.Spawn's status 127): "uhsare: not found; did you mean unshare?".
func Suggest(env *command.Env, name string, err error) error {
	var se *command.StatusError
	if !errors.As(err, &se) || se.Code != 127 || !errors.Is(se.Err, nsctx.ErrNotFound) {
		return err
	}
	if strings.Contains(name, "/") {
		return err
	}
	path, _ := env.Shell.Var("PATH")
	if s := nearest(pluginHost(env), name, path); s != "" {
		return &command.StatusError{Code: 127, Err: fmt.Errorf("%w; did you mean %s?", se.Err, s)}
	}
	return err
}

// nearest is the builtin, plugin command or program in PATH whose name is
// closest to a name not found, or "" if none is close: a typo (uhsare)
// deserves the name meant (unshare). Builtins win ties.
func nearest(host command.PluginHost, name, path string) string {
	if len(name) < 3 {
		return ""
	}
	max := 1
	if len(name) > 4 {
		max = 2
	}
	best, bestD := "", max+1
	try := func(c string) {
		if d := editDistance(name, c); d < bestD && c != name {
			best, bestD = c, d
		}
	}
	for _, b := range Table() {
		try(b.Name)
	}
	for _, c := range PluginCommands(host) {
		try(c.Name)
	}
	for _, dir := range filepath.SplitList(path) {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			try(e.Name())
		}
	}
	return best
}

// editDistance counts the insertions, deletions, substitutions and
// swaps of neighbours that make a into b (optimal string alignment).
func editDistance(a, b string) int {
	if d := len(a) - len(b); d > 2 || d < -2 {
		return 3 // farther than any suggestion goes
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
