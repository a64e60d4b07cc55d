package repl

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsinfo"
)

// completer offers builtins, programs, options, kinds, pins and file names.
// Files and programs are looked up on the context thread, so they are the
// ones the context's mount namespace and working directory show.
type completer struct{ sh *Shell }

func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	words, cur := wordsBefore(string(line[:pos]))
	cands := c.candidates(words, cur)
	out := make([][]rune, 0, len(cands))
	seen := map[string]bool{}
	for _, s := range cands {
		// A builtin and a program of one name (unshare) are one choice.
		if strings.HasPrefix(s, cur) && !seen[s] {
			seen[s] = true
			out = append(out, []rune(s[len(cur):]))
		}
	}
	return out, len([]rune(cur))
}

// wordsBefore returns the words of the command being typed and the partial
// word at the cursor.
func wordsBefore(text string) ([]string, string) {
	if i := strings.LastIndexAny(text, ";|&"); i >= 0 {
		text = text[i+1:]
	}
	words := strings.Fields(text)
	cur := ""
	if len(words) > 0 && !strings.HasSuffix(text, " ") && !strings.HasSuffix(text, "\t") {
		cur = words[len(words)-1]
		words = words[:len(words)-1]
	}
	for len(words) > 0 && assignment(&Word{Parts: []Part{{Kind: Lit, Text: words[0]}}}) != nil {
		words = words[1:] // NAME=VALUE before the command
	}
	return words, cur
}

func (c *completer) candidates(words []string, cur string) []string {
	if len(words) == 0 {
		names := builtinNames()
		if c.sh.CommandNames != nil {
			names = append(names, c.sh.CommandNames()...)
		}
		return withSpace(append(names, c.programs(cur)...))
	}
	b, ok := builtins.Lookup(words[0])
	if _, isPlugin := builtins.LookupPluginCommand(words[0]); !ok && isPlugin {
		return append(withSpace(builtins.Plugins.Complete(words[0], append(words[1:], cur))), c.files(cur)...)
	}
	if !ok {
		return c.files(cur)
	}
	if strings.HasPrefix(cur, "-") {
		return withSpace(b.Options)
	}
	switch b.Operands {
	case builtins.Kinds:
		return withSpace(nsctx.KindNames())
	case builtins.Names:
		return withSpace(builtinNames())
	case builtins.Pins:
		var ps []string
		if pins, err := nsctx.Pins(); err == nil {
			for _, p := range pins {
				ps = append(ps, p.Path)
			}
		}
		if len(words) >= 2 {
			return withSpace(nsctx.KindNames())
		}
		// ip netns names work as a bare NAME (setns red).
		ps = append(ps, nsinfo.NetnsList()...)
		return append(withSpace(ps), c.files(cur)...)
	case builtins.Commands:
		if len(words) == 1 {
			return withSpace(c.programs(cur))
		}
		return c.files(cur)
	case builtins.Files:
		return c.files(cur)
	case builtins.Jobspecs:
		var out []string
		for _, id := range c.sh.jobs.IDs() {
			out = append(out, fmt.Sprintf("%%%d ", id))
		}
		return out
	case builtins.Variables:
		var out []string
		for _, v := range c.sh.Vars() {
			out = append(out, v.Name)
		}
		return out
	}
	return nil
}

func builtinNames() []string {
	var ns []string
	for _, b := range builtins.Table() {
		ns = append(ns, b.Name)
	}
	return ns
}

func withSpace(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s + " "
	}
	return out
}

// files lists the entries that complete prefix, read on the context thread.
func (c *completer) files(prefix string) []string {
	var out []string
	c.sh.Ctx.Files(func(at func(string) string) error {
		dir, base := filepath.Split(prefix)
		d := dir
		if d == "" {
			d = "."
		}
		ents, err := os.ReadDir(at(d))
		if err != nil {
			return nil
		}
		for _, e := range ents {
			n := e.Name()
			if !strings.HasPrefix(n, base) || (strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".")) {
				continue
			}
			full := dir + n
			if st, err := os.Stat(at(full)); err == nil && st.IsDir() {
				out = append(out, full+"/")
			} else {
				out = append(out, full+" ")
			}
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// programs lists executables in the context's PATH that start with prefix.
func (c *completer) programs(prefix string) []string {
	if strings.Contains(prefix, "/") {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	path, _ := c.sh.Var("PATH")
	c.sh.Ctx.Files(func(at func(string) string) error {
		for _, dir := range filepath.SplitList(path) {
			ents, err := os.ReadDir(at(dir))
			if err != nil {
				continue
			}
			for _, e := range ents {
				n := e.Name()
				if seen[n] || !strings.HasPrefix(n, prefix) || e.IsDir() {
					continue
				}
				seen[n] = true
				out = append(out, n)
			}
		}
		return nil
	})
	sort.Strings(out)
	return out
}
