package lang

import (
	"errors"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/nsfs"
)

// Placement. A script runs on the context thread (Context.Run), so that a
// namespace builtin or a program costs no hand-off between threads: a
// program is forked and waited for right there. What waits on other
// goroutines that may need the thread themselves (pipelines, jobs,
// plugin calls, builtins not marked Thread) runs through Context.Off,
// which keeps serving them meanwhile. Off costs a hand-off, so a stretch of
// statements that want nothing of the thread (a loop of plugin calls)
// goes off in one, not one hand-off per command.

// runPulled runs the statements pull gives (a script as it is parsed).
func (sh *Shell) runPulled(pull func() (*syntax.Stmt, bool, error)) error {
	var held *syntax.Stmt // pulled while off the thread, wanting it
	for {
		s := held
		held = nil
		if s == nil {
			var err error
			var ok bool
			if s, ok, err = pull(); !ok {
				return nil
			} else if err != nil {
				return err
			}
		}
		if !sh.onThread || sh.placeOnce(s) {
			if err := sh.stmt(s); err != nil {
				return sh.endRun(err, s, pull)
			}
			continue
		}
		var err error
		sh.off(func() {
			for {
				if err = sh.stmt(s); err != nil {
					err = sh.endRun(err, s, pull)
					return
				}
				var perr error
				var ok bool
				if s, ok, perr = pull(); !ok {
					s = nil
					return
				} else if perr != nil {
					err = perr
					return
				}
				if sh.placeOnce(s) {
					held = s
					return
				}
			}
		})
		if err != nil {
			return err
		}
		if held == nil && s == nil {
			return nil
		}
	}
}

// endRun is what ends a run after statement s ended it with err: in
// the script itself (not a file it sources), why a failure stopped it is
// said now, unless s was its last command.
func (sh *Shell) endRun(err error, s *syntax.Stmt, pull func() (*syntax.Stmt, bool, error)) error {
	var se *stopError
	if sh.sources > 0 || !errors.As(err, &se) || se.text == "" {
		return err
	}
	_, more, _ := pull()
	sh.sayStop(err, s, more)
	return err
}

// stmtsPlaced is stmts for a list run on the context thread: stretches
// that want nothing of it go off it in one.
func (sh *Shell) stmtsPlaced(ss []*syntax.Stmt) error {
	for i := 0; i < len(ss); {
		if !sh.onThread || sh.wantsThread(ss[i]) {
			if err := sh.stmt(ss[i]); err != nil {
				return err
			}
			i++
			continue
		}
		j := i + 1
		for j < len(ss) && !sh.wantsThread(ss[j]) {
			j++
		}
		var err error
		run := ss[i:j]
		sh.off(func() {
			for _, s := range run {
				if err = sh.stmt(s); err != nil {
					return
				}
			}
		})
		if err != nil {
			return err
		}
		i = j
	}
	return nil
}

// wantsThread reports whether s has a command that is cheaper on the
// context thread: a program, a function (its body may have one), a
// builtin marked Thread or a hop, or a command whose name is only known when it
// runs. Words are not looked into: a $(...) runs once.
func (sh *Shell) wantsThread(s *syntax.Stmt) bool {
	if sh.jobsRunning() {
		return false
	}
	if c, ok := simpleCall(s); ok {
		// The common case, decided without a walk or the cache (which a
		// long script of simple commands would only fill).
		return sh.callWantsThread(c)
	}
	if want, ok := sh.placed[s]; ok {
		return want
	}
	want := sh.placeOnce(s)
	if len(sh.placed) > 10000 {
		clear(sh.placed)
	}
	sh.placed[s] = want
	return want
}

// placeOnce is wantsThread for a statement that runs once (a script's own
// top-level lines), with nothing cached: the cache would hold the parsed
// script as it is read (a script of 10,000 functions kept 100 MB alive).
func (sh *Shell) placeOnce(s *syntax.Stmt) bool {
	if sh.jobsRunning() {
		return false
	}
	if c, ok := simpleCall(s); ok {
		return sh.callWantsThread(c) // no walk, whose closure is allocated
	}
	want := false
	syntax.Walk(s, func(n syntax.Node) bool {
		if want {
			return false
		}
		switch n := n.(type) {
		case *syntax.Word:
			return false
		case *syntax.Stmt:
			if n.Background {
				return false
			}
		case *syntax.BinaryCmd:
			if n.Op == syntax.Pipe || n.Op == syntax.PipeAll {
				return false
			}
		case *syntax.CallExpr:
			want = sh.callWantsThread(n)
			return false
		}
		return true
	})
	return want
}

// simpleCall is s's command when s is one simple command in the
// foreground with no redirection.
func simpleCall(s *syntax.Stmt) (*syntax.CallExpr, bool) {
	c, ok := s.Cmd.(*syntax.CallExpr)
	return c, ok && !s.Background && len(s.Redirs) == 0
}

// callWantsThread is wantsThread for one simple command.
func (sh *Shell) callWantsThread(n *syntax.CallExpr) bool {
	if len(n.Args) == 0 {
		// NAME=VALUE alone: the shell's own variables, cheaper where
		// the loop around it is.
		return len(n.Assigns) > 0
	}
	name := n.Args[0].Lit()
	if name == "" {
		return true
	}
	if b, ok := builtins.Lookup(name); ok {
		return b.Thread || b.ThreadIf != nil || hops[name]
	}
	if _, fn := sh.funcs[name]; fn {
		// A function, whatever plugins there may be (their discovery
		// may not have run yet: isPlugin says maybe).
		return true
	}
	return !sh.isPlugin(name)
}

// hops are the builtins that change the context: each is a few
// syscalls on the context thread, and a hand-off there and back would
// cost ten times the work (a hop loop). They run on the thread unless
// their operands read files as nsh's home sees them (see hopInline).
var hops = map[string]bool{"setns": true, "push": true, "home": true, "pop": true, "unshare": true}

// hopInline reports whether the hop b with its expanded args may run
// on the context thread. home and pop only enter namespaces the context
// holds, and setns or push of paths (a "/" in each, no option) opens them
// on the thread anyway (JoinFile). Otherwise setns and push read a
// netns:NAME or bare NAME under /run/netns or a -t PID under /proc, and
// unshare --map-auto reads /etc/subuid, all as nsh's home mount namespace
// shows them: the thread shows the context's, the same one while the
// context's mount namespace is home's.
func (sh *Shell) hopInline(b *builtins.Builtin, args []string) bool {
	switch b.Name {
	case "home", "pop":
		return true
	}
	paths := b.Name != "unshare" && len(args) > 1
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "-") || strings.HasPrefix(a, "netns:") || !strings.Contains(a, "/") {
			paths = false
		}
	}
	if paths {
		return true
	}
	st, err := sh.cx.base.Status()
	return err == nil && !st.Differs(nsfs.Mnt)
}
