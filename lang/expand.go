package lang

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync/atomic"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/internal/capture"
	"github.com/nsh-dev/nsh/nsctx"
)

// Expansion is mvdan.cc/sh/v3/expand's, with nsh's pieces plugged in:
// variables come from the shell (env), patterns are matched against the
// files of the context (its mount namespace and working directory, read on
// the context thread), and $(...) runs in a subshell in the context.

func (sh *Shell) expandCfg() *expand.Config {
	if sh.cfg == nil {
		sh.cfg = &expand.Config{Env: env{sh}, CmdSubst: sh.cmdSubst, ProcSubst: noProcSubst}
	}
	sh.cfg.NoUnset = sh.opts.nounset
	sh.cfg.ReadDir2 = nil
	if !sh.opts.noglob {
		sh.cfg.ReadDir2 = sh.readDir
	}
	return sh.cfg
}

// noProcSubst refuses <(...) and >(...), which the parser takes in its
// bash mode: the expander needs a function for them or crashes.
func noProcSubst(*syntax.ProcSubst) (string, error) {
	return "", errors.New("process substitution <(...) and >(...) is not supported by nsh")
}

// fields expands words as a command's arguments: split, and globbed.
func (sh *Shell) fields(ws ...*syntax.Word) ([]string, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	if out, ok := plainFields(ws); ok {
		return out, nil
	}
	ifs, own := sh.splitsItself()
	var (
		fixed   []*syntax.Word // ws, unless a word changes
		changed bool
	)
	for i, w := range ws {
		fw, err := sh.fixWord(w, unquoted)
		if err != nil {
			return nil, err
		}
		more := []*syntax.Word{fw}
		if own && ownSplit(fw) {
			if more, err = sh.splitWord(fw, ifs); err != nil {
				return nil, err
			}
		}
		if !changed && (len(more) != 1 || more[0] != w) {
			fixed, changed = append([]*syntax.Word(nil), ws[:i]...), true
		}
		if changed {
			fixed = append(fixed, more...)
		}
	}
	if changed {
		ws = fixed
	}
	if len(ws) == 0 {
		return nil, nil
	}
	if sh.opts.noglob || !slices.ContainsFunc(ws, ownGlob) {
		return expand.Fields(sh.expandCfg(), ws...)
	}
	if !own {
		var set bool
		if ifs, set = sh.varString("IFS"); !set {
			ifs = " \t\n"
		}
	}
	var out []string
	for len(ws) > 0 {
		n := slices.IndexFunc(ws, ownGlob)
		if n < 0 {
			n = len(ws)
		}
		if n > 0 {
			more, err := expand.Fields(sh.expandCfg(), ws[:n]...)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
		if n < len(ws) {
			more, err := sh.globWord(ws[n], ifs)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
			n++
		}
		ws = ws[n:]
	}
	return out, nil
}

// plainFields is fields for words that are each one literal with nothing
// to expand, remove or match (setns /run/netns/red): the words themselves.
// The expander would allocate its state for each; a hop in a loop is all
// such words.
func plainFields(ws []*syntax.Word) ([]string, bool) {
	for _, w := range ws {
		if len(w.Parts) != 1 {
			return nil, false
		}
		l, ok := w.Parts[0].(*syntax.Lit)
		if !ok || l.Value == "" || strings.ContainsAny(l.Value, "\\*?[{~$'\"") {
			return nil, false
		}
	}
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Parts[0].(*syntax.Lit).Value
	}
	return out, true
}

// literal expands a word to one string (a case word, a redirection's
// file, an assignment's value).
func (sh *Shell) literal(w *syntax.Word) (string, error) {
	w, err := sh.fixWord(w, unquoted)
	if err != nil {
		return "", err
	}
	return expand.Literal(sh.expandCfg(), w)
}

// patternOf expands a word as a pattern: quoted parts match themselves.
// It is expand.Pattern, but with quoted text escaped whole (see
// quotePattern): expand's escapes only * ? [ \, so a quoted ! - or ]
// inside brackets would act.
func (sh *Shell) patternOf(w *syntax.Word) (string, error) {
	w, err := sh.fixWord(w, unquoted)
	if err != nil {
		return "", err
	}
	if len(w.Parts) == 1 {
		if l, ok := w.Parts[0].(*syntax.Lit); ok && !strings.HasPrefix(l.Value, "~") {
			return l.Value, nil // the common case: as written
		}
	}
	var b strings.Builder
	for i, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			v := p.Value
			if i == 0 && strings.HasPrefix(v, "~") {
				name, rest, slash := strings.Cut(v[1:], "/")
				if home, ok := sh.homeOf(name); ok && !strings.ContainsAny(name, `\'"`) && (slash || len(w.Parts) == 1) {
					b.WriteString(quotePattern(home))
					v = rest
					if slash {
						v = "/" + rest
					}
				}
			}
			b.WriteString(v) // its backslashes quote, as in a pattern
		case *syntax.SglQuoted, *syntax.DblQuoted, *syntax.ParamExp, *syntax.CmdSubst, *syntax.ArithmExp:
			s, err := expand.Literal(sh.expandCfg(), &syntax.Word{Parts: []syntax.WordPart{p}})
			if err != nil {
				return "", err
			}
			switch p.(type) {
			case *syntax.SglQuoted, *syntax.DblQuoted:
				s = quotePattern(s)
			}
			b.WriteString(s)
		default: // extended globs: expand's
			return expand.Pattern(sh.expandCfg(), w)
		}
	}
	return b.String(), nil
}

func (sh *Shell) readDir(dir string) ([]fs.DirEntry, error) {
	var ents []fs.DirEntry
	err := sh.cx.files(func(f nsctx.FS) (err error) {
		ents, err = f.ReadDir(dir)
		return err
	})
	return ents, err
}

// maxSubsts bounds $(...) inside $(...): each level holds a pipe and a
// subshell.
const maxSubsts = 100

// SubstMaxDefault is the most output one $(...) may give, unless
// NSH_SUBST_MAX says otherwise (a size: 512M, 2G): past it the command
// around it does not run.
const SubstMaxDefault = 256 << 20

func (sh *Shell) substMax() (int64, error) {
	v, ok := sh.varString("NSH_SUBST_MAX")
	if !ok || v == "" {
		return SubstMaxDefault, nil
	}
	n, err := capture.ParseSize(v)
	if err != nil {
		return 0, fmt.Errorf("NSH_SUBST_MAX: %w", err)
	}
	return n, nil
}

// substFailure is a $(...) that could not run or whose output was too
// big: the command around it fails, and the script may go on (set -e
// decides), unlike other expansion errors.
type substFailure struct{ error }

func (e substFailure) Unwrap() error { return e.error }

// cmdSubst runs $(...) (or `...`) in a subshell writing to w, as
// expand.Config.CmdSubst. Its status becomes $? (X=$(false) fails). A
// namespace builtin that failed inside stops the script around it too: it
// would have run where that failure left it.
func (sh *Shell) cmdSubst(w io.Writer, cs *syntax.CmdSubst) error {
	if sh.substs >= maxSubsts {
		return substFailure{fmt.Errorf("$(...) nested more than %d deep", maxSubsts)}
	}
	ref, restore, err := sh.cx.foreground()
	if err != nil {
		return substFailure{fmt.Errorf("$(...): %w", err)}
	}
	sub := sh.subshell(ref)
	sub.substs++
	r, pw, err := os.Pipe()
	if err != nil {
		restore()
		ref.close()
		return substFailure{fmt.Errorf("$(...): %w", err)}
	}
	sub.fds.set(1, pw, true)
	max, err := sh.substMax()
	if err != nil {
		restore()
		ref.close()
		r.Close()
		pw.Close()
		return substFailure{fmt.Errorf("$(...): %w", err)}
	}
	out := &capture.Buffer{Max: max}
	copied := make(chan error, 1)
	over := new(atomic.Bool)
	sub.abort = chainAbort(sh.abort, func() int {
		if over.Load() {
			return 1
		}
		return 0
	})
	go func() {
		_, err := out.ReadFrom(r)
		if err != nil {
			over.Store(true) // the commands inside stop at their next
		}
		r.Close() // writers past the limit get EPIPE
		copied <- err
	}()
	status, stop := sub.runSub(cs.Stmts)
	sub.fds.close()
	// A background job started inside still holds the pipe: the output
	// is complete when every writer has closed it.
	cerr := <-copied
	rerr := restore()
	ref.close()
	sh.last, sh.substStatus = status, status
	sh.substErr = subshellError(status, stop)
	switch {
	case sh.stopped(nil) || sub.intr:
		// sub.intr: a program inside died of Ctrl-C, which nsh's own
		// handler may not have seen yet (as for a pipeline's stage).
		return command.Interrupted{}
	case cerr != nil:
		return substFailure{fmt.Errorf("$(...): %w (NSH_SUBST_MAX raises it)", cerr)}
	case rerr != nil:
		return substFailure{fmt.Errorf("$(...): going back to the context: %w", rerr)}
	case stop != nil && stop.ns:
		return stop
	}
	// The output is held once in out's chunks and once where expand
	// keeps it: no more.
	if sb, ok := w.(*strings.Builder); ok {
		out.TakeInto(sb)
	} else {
		io.WriteString(w, out.Take())
	}
	return nil
}

// tildeAssign expands ~ after each unquoted ':' of an assignment's value
// (PATH=$PATH:~/bin), as POSIX says; expand does only the start.
func (sh *Shell) tildeAssign(w *syntax.Word) *syntax.Word {
	if w == nil {
		return nil
	}
	var parts []syntax.WordPart
	changed := false
	for i, p := range w.Parts {
		lit, ok := p.(*syntax.Lit)
		if !ok || !strings.Contains(lit.Value, "~") {
			parts = append(parts, p)
			continue
		}
		segs := strings.Split(lit.Value, ":")
		for j, seg := range segs {
			if j > 0 {
				parts = append(parts, &syntax.Lit{Value: ":"})
			}
			if (j > 0 || i == 0) && strings.HasPrefix(seg, "~") {
				name, rest, slash := strings.Cut(seg[1:], "/")
				last := j == len(segs)-1 && i < len(w.Parts)-1
				if home, ok := sh.homeOf(name); ok && (slash || !last) {
					parts = append(parts, &syntax.SglQuoted{Value: home})
					if slash {
						parts = append(parts, &syntax.Lit{Value: "/" + rest})
					}
					changed = true
					continue
				}
			}
			if seg != "" {
				parts = append(parts, &syntax.Lit{Value: seg})
			}
		}
	}
	if !changed {
		return w
	}
	return &syntax.Word{Parts: parts}
}

func (sh *Shell) homeOf(user string) (string, bool) {
	if user == "" {
		return sh.varString("HOME")
	}
	w := &syntax.Word{Parts: []syntax.WordPart{&syntax.Lit{Value: "~" + user}}}
	s, err := expand.Literal(sh.expandCfg(), w)
	if err != nil || s == "~"+user {
		return "", false
	}
	return s, true
}
