package repl

import (
	"os"

	"github.com/nsh-dev/nsh/builtins"
)

// place runs an and-or list where it is cheapest and safe. A script runs
// on the context thread (Context.Run), so a namespace builtin or a lone
// program costs no hand-off between threads. Anything that waits on other
// goroutines which may need the thread themselves (pipelines, jobs,
// redirections copied by goroutines, plugins, source, wait) runs through
// Context.Off, which keeps serving them; so does anything that reads files
// as nsh's home mount namespace sees them (pins, ns -a, plugin discovery).
// A script's main loop does the same for whole stretches of lists at a
// time (Shell.run); place serves one list, for the other callers.
func (sh *Shell) place(ao *AndOr) (err error, fatal bool) {
	if !sh.onThread || sh.inline(ao) {
		return sh.runAndOr(ao)
	}
	sh.Ctx.Off(func() { err, fatal = sh.runAndOr(ao) })
	return err, fatal
}

// inlineBuiltins change or show the context and wait on nothing else.
var inlineBuiltins = map[string]bool{
	"setns": true, "home": true, "push": true, "pop": true, "unshare": true,
	"cd": true, "pwd": true, "exit": true, "spawn": true,
	"break": true, "continue": true, ":": true,
}

// inline reports whether ao can run on the context thread: NAME=VALUE
// alone, and lone commands without redirections or & whose name (and, for
// a builtin, every word) is plain text and where no $(...) runs, that are
// inlineBuiltins (setns and push without -t, whose /proc/PID is read as
// nsh's home sees it) or programs that are not plugin commands; while the
// shell's streams are files (no copying goroutines) and no job runs.
func (sh *Shell) inline(ao *AndOr) bool {
	if ao.Background {
		return false
	}
	// A background job's later stages may still ask for the thread (to
	// start their programs): while any job runs, leave it free.
	if running, stopped := sh.jobs.Active(); running+stopped != 0 {
		return false
	}
	for _, p := range ao.Pipes {
		if len(p.Cmds) != 1 || len(p.Cmds[0].Redirs) != 0 {
			return false
		}
		c := p.Cmds[0]
		for _, a := range c.Assigns {
			if hasSubstIn(a.Value) {
				return false // $(...) runs commands of its own
			}
		}
		if len(c.Words) == 0 {
			if len(c.Assigns) > 0 {
				continue // NAME=VALUE alone: the shell's own variables
			}
			return false
		}
		for _, w := range c.Words[1:] {
			if hasSubstIn(w) {
				return false
			}
		}
		// The command's name must be plain text: it decides the rest.
		words, ok := literalWords(c.Words[:1])
		if !ok {
			return false
		}
		name := words[0]
		args, literal := literalWords(c.Words[1:])
		if name == "spawn" {
			// spawn runs programs only, never plugin commands.
			if len(c.Words) < 2 || !literal || args[0] == "-b" || !sh.inlineProgram("") {
				return false
			}
			continue
		}
		if _, ok := builtins.Lookup(name); ok {
			// Their operands must be plain text too: "-t" (read as
			// nsh's home sees /proc) must not hide in a $VAR.
			if !inlineBuiltins[name] || !literal {
				return false
			}
			for _, w := range args {
				if w == "-t" {
					return false
				}
			}
			continue
		}
		if !sh.inlineProgram(words[0]) {
			return false
		}
	}
	return true
}

// inlineProgram: name "" is spawn's program, which is never a plugin.
func (sh *Shell) inlineProgram(name string) bool {
	if builtins.Plugins != nil && name != "" {
		if plugin, settled := builtins.Plugins.Settled(name); plugin || !settled {
			return false
		}
	}
	for _, f := range []any{sh.Stdin, sh.Stdout, sh.Stderr} {
		if _, ok := f.(*os.File); !ok {
			return false
		}
	}
	return true
}

// literalWords returns the words' text if none needs expanding.
func literalWords(ws []*Word) ([]string, bool) {
	out := make([]string, len(ws))
	for i, w := range ws {
		for _, p := range w.Parts {
			if p.Kind != Lit {
				return nil, false
			}
			out[i] += p.Text
		}
	}
	return out, true
}
