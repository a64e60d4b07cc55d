package repl

import (
	"fmt"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/lang"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"github.com/nsh-dev/nsh/nsinfo"
)

// completer offers builtins, programs, options, kinds, pins and file names.
// Files and programs are looked up on the context thread, so they are the
// ones the context's mount namespace and working directory show.
type completer struct{ sh *lang.Shell }

func (c *completer) Do(line []rune, pos int) ([][]rune, int) {
	words, cur := wordsBefore(string(line[:pos]))
	var cands []string
	var value string
	quote := cur.quote
	if name, ok := cur.varName(); ok {
		// $NA: a variable's name, written as typed.
		value, quote = name, func(s string) string { return s }
		for _, v := range c.sh.Vars() {
			cands = append(cands, v.Name)
		}
	} else {
		// ~/x, $HOME/x: the names under what they expand to.
		value = c.expandPrefix(cur)
		if op := redirOp(value); op != "" {
			value = value[len(op):] // >file: a redirection's file
			cands = c.files(value)
		} else {
			cands = c.candidates(words, value)
		}
	}
	out := make([][]rune, 0, len(cands))
	seen := map[string]bool{}
	for _, s := range cands {
		// A builtin and a program of one name (unshare) are one choice.
		if strings.HasPrefix(s, value) && !seen[s] {
			seen[s] = true
			out = append(out, []rune(quote(s[len(value):])))
		}
	}
	return out, len([]rune(cur.raw))
}

// redirOp is the redirection operator a word starts with (2>>log), or "".
func redirOp(w string) string {
	i := 0
	if i < len(w) && w[i] >= '0' && w[i] <= '9' {
		i++
	}
	for _, op := range []string{">>", ">", "<"} {
		if strings.HasPrefix(w[i:], op) && !strings.HasPrefix(w[i+len(op):], "&") {
			return w[:i+len(op)]
		}
	}
	return ""
}

// varName is the name being typed after the word's last $ ($PA, ${PA, or
// $ alone: ""); ok is false if the word goes on past a name.
func (p partial) varName() (name string, ok bool) {
	if len(p.dollars) == 0 {
		return "", false
	}
	rest := strings.TrimPrefix(p.value[p.dollars[len(p.dollars)-1]+1:], "{")
	return rest, rest == "" || syntax.ValidName(rest)
}

// expandPrefix is the word's value with its ~ and $NAME expanded, as they
// will be when it runs, so that names under them can be listed.
func (c *completer) expandPrefix(p partial) string {
	v := p.value
	if len(p.dollars) > 0 {
		var b strings.Builder
		last := 0
		for _, d := range p.dollars {
			b.WriteString(v[last:d])
			name, end := v[d+1:], d+1
			braced := strings.HasPrefix(name, "{")
			if braced {
				name, end = name[1:], end+1
			}
			n := 0
			for n < len(name) && isNameChar(name[n]) {
				n++
			}
			if n == 0 || !isNameStart(name[0]) || braced && !strings.HasPrefix(name[n:], "}") {
				b.WriteByte('$')
				last = d + 1
				continue
			}
			val, _ := c.sh.Var(name[:n])
			b.WriteString(val)
			last = end + n
			if braced {
				last++
			}
		}
		v = b.String() + v[last:]
	}
	if p.tilde {
		name, rest, _ := strings.Cut(v[1:], "/")
		if strings.Contains(v, "/") {
			v = tilde(c.sh, name) + "/" + rest
		}
	}
	return v
}

// partial is the word at the cursor: as typed, as it reads once its
// quotes and escapes are taken off, and the quote character it is still
// inside (0 if none).
type partial struct {
	raw, value string
	open       byte
	dollars    []int // where value has a $ that expands (not escaped, not in '...')
	tilde      bool  // value starts with a ~ that expands
}

// quote writes a completion's rest so that it reads as itself in the word
// being typed: 'my file' completes to my\ file, and in an open quote the
// quote is closed before the word ends.
func (p partial) quote(rest string) string {
	end := ""
	if t, ok := strings.CutSuffix(rest, " "); ok {
		rest, end = t, " "
	}
	var b strings.Builder
	for _, r := range rest {
		switch {
		case p.open == '\'' && r == '\'':
			b.WriteString(`'\''`) // close, an escaped quote, open again
			continue
		case p.open == 0 && r == '\n':
			b.WriteString("'\n'") // \ and a newline would join lines
			continue
		case p.open == '"' && strings.ContainsRune(`"\$`+"`", r):
			b.WriteByte('\\')
		case p.open == 0 && strings.ContainsRune(" \t'\"\\$`;&|<>#~*?[]()!{}", r):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	if end != "" && p.open != 0 {
		b.WriteByte(p.open)
	}
	return b.String() + end
}

// commandBefore are the words after which a command starts.
var commandBefore = []string{"if", "then", "elif", "else", "while", "until", "do", "!"}

// wordsBefore returns the words of the command being typed (quotes and
// escapes taken off) and the partial word at the cursor.
func wordsBefore(text string) ([]string, partial) {
	var words []string
	var cur partial
	var val strings.Builder
	var dollars []int
	in, started, start := byte(0), false, 0
	end := func() {
		if started {
			switch w := val.String(); {
			case len(words) == 0 && slices.Contains(commandBefore, w):
				// if, then, do...: a command starts after them
			default:
				words = append(words, w)
			}
		}
		val.Reset()
		dollars = nil
		started = false
	}
	for i := 0; i < len(text); i++ {
		ch := text[i]
		switch {
		case ch == '$' && in != '\'':
			dollars = append(dollars, val.Len())
			val.WriteByte(ch)
		case in == '\'' && ch != '\'', in == '"' && ch != '"' && ch != '\\':
			val.WriteByte(ch)
		case in != 0 && ch == in:
			in = 0
		case ch == '\\' && i+1 < len(text):
			if in == '"' && !strings.ContainsRune(`"\$`+"\n", rune(text[i+1])) {
				val.WriteByte(ch)
			}
			i++
			val.WriteByte(text[i])
		case ch == '\\': // the escape of a character not typed yet
		case in == 0 && (ch == '\'' || ch == '"'):
			in = ch
		case in == 0 && (ch == ' ' || ch == '\t' || ch == '\n'):
			end()
			continue
		case in == 0 && (ch == ';' || ch == '|' || ch == '&'):
			end()
			words = words[:0] // a new command starts
			continue
		default:
			val.WriteByte(ch)
		}
		if !started {
			started, start = true, i
		}
	}
	if started {
		cur = partial{raw: text[start:], value: val.String(), open: in, dollars: dollars}
		cur.tilde = strings.HasPrefix(cur.raw, "~")
	}
	for len(words) > 0 && isAssignment(words[0]) {
		words = words[1:] // NAME=VALUE before the command
	}
	return words, cur
}

func (c *completer) candidates(words []string, cur string) []string {
	if len(words) == 0 && strings.Contains(cur, "/") {
		return c.files(cur) // ./prog, /usr/sbin/ip
	}
	if len(words) == 0 {
		names := builtinNames()
		if c.sh.CommandNames != nil {
			names = append(names, c.sh.CommandNames()...)
		}
		return withSpace(append(names, c.programs(cur)...))
	}
	if len(words) == 3 && words[0] == "ip" && words[1] == "link" && words[2] == "set" {
		return withSpace(c.linkNames())
	}
	b, ok := builtins.Lookup(words[0])
	if _, isPlugin := builtins.LookupPluginCommand(c.sh.Plugins(), words[0]); !ok && isPlugin {
		cands, files := c.sh.Plugins().Complete(words[0], append(words[1:], cur), c.sh.Environ())
		if files {
			return append(withSpace(cands), c.files(cur)...)
		}
		return withSpace(cands)
	}
	if !ok {
		return c.files(cur)
	}
	if strings.HasPrefix(cur, "-") {
		if len(words) > 1 && b.SubOptions[words[1]] != nil {
			return withSpace(b.SubOptions[words[1]]) // ns graph --d
		}
		return withSpace(b.Options)
	}
	switch b.Operands {
	case builtins.Kinds:
		return withSpace(nsfs.KindNames())
	case builtins.Names:
		names := builtinNames()
		if c.sh.CommandNames != nil {
			names = append(names, c.sh.CommandNames()...) // help takes plugins' too
		}
		return withSpace(names)
	case builtins.Pins:
		if len(words) >= 2 {
			return withSpace(nsfs.KindNames())
		}
		return c.pins(cur, true)
	case builtins.PinPaths:
		return c.pins(cur, false)
	case builtins.PinTargets:
		if len(words) == 1 {
			return append(withSpace(nsfs.KindNames()), c.files(cur)...)
		}
		return c.files(cur)
	case builtins.Commands:
		if len(words) == 1 {
			return withSpace(c.programs(cur))
		}
		return c.files(cur)
	case builtins.Files:
		return c.files(cur)
	case builtins.Jobspecs:
		// Each job once: a spec already on the line is not offered again
		// (fg <Tab><Tab> made fg %1 %1).
		var out []string
		for _, id := range c.sh.Jobs().IDs() {
			if spec := fmt.Sprintf("%%%d", id); !slices.Contains(words[1:], spec) {
				out = append(out, spec+" ")
			}
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

// pins are the pins' paths, ip netns names (a bare NAME, and netns:NAME
// if prefixed), then file names.
func (c *completer) pins(cur string, prefixed bool) []string {
	var ps []string
	if pins, err := c.sh.Ctx().Pins(); err == nil {
		for _, p := range pins {
			ps = append(ps, p.Path)
		}
	}
	for _, n := range nsfs.NetnsList() {
		ps = append(ps, n)
		if prefixed {
			ps = append(ps, "netns:"+n)
		}
	}
	if prefixed { // setns, push: running containers, from the engine sockets that answer
		ps = append(ps, nsinfo.ContainerWords(c.sh.Var)...)
	}
	return append(withSpace(ps), c.files(cur)...)
}

// linkNames are the interfaces of the context's network namespace.
func (c *completer) linkNames() []string {
	h, err := c.sh.Ctx().OpenCurrent(nsfs.Net)
	if err != nil {
		return nil
	}
	defer h.Close()
	names := nsinfo.LinkNames(h.Fd(), c.sh.Ctx().Home(nsfs.Net).ID())
	sort.Strings(names)
	return names
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
	c.sh.Ctx().Files(func(fs nsctx.FS) error {
		dir, base := filepath.Split(prefix)
		d := dir
		if d == "" {
			d = "."
		}
		names, err := fs.Names(d)
		if err != nil {
			return nil
		}
		for _, n := range names {
			if !strings.HasPrefix(n, base) || (strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".")) {
				continue
			}
			full := dir + n
			if fs.IsDir(full) {
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
	c.sh.Ctx().Files(func(fs nsctx.FS) error {
		for _, dir := range filepath.SplitList(path) {
			names, err := fs.Names(dir)
			if err != nil {
				continue
			}
			for _, n := range names {
				if seen[n] || !strings.HasPrefix(n, prefix) || fs.IsDir(filepath.Join(dir, n)) {
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

// isAssignment reports whether a word is NAME=VALUE.
func isAssignment(w string) bool {
	name, _, ok := strings.Cut(w, "=")
	return ok && syntax.ValidName(name)
}

// tilde is the home directory ~NAME names (~ alone: $HOME).
func tilde(sh *lang.Shell, name string) string {
	if name == "" {
		if h, ok := sh.Var("HOME"); ok {
			return h
		}
		return "~"
	}
	if u, err := user.Lookup(name); err == nil {
		return u.HomeDir
	}
	return "~" + name
}

func isNameStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isNameChar(c byte) bool { return isNameStart(c) || c >= '0' && c <= '9' }
