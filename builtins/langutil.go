package builtins

import (
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
)

// warn says something that does not end the builtin with an error of its
// own: getopts' diagnostics, a wait operand that is not a job, the reason
// exit and exec leave with. It is worded as the shell words errors:
// FILE:LINE: NAME: message.
func warn(env *command.Env, name, format string, a ...any) {
	fmt.Fprintf(env.Stderr, "%s: %s: %s\n", env.Pos, name, fmt.Sprintf(format, a...))
}

// assign sets a variable: through Lang, which refuses a read-only one,
// or, in a shell without the language, through Shell.
func assign(env *command.Env, name, value string) error {
	if l, ok := env.Shell.(Lang); ok {
		return l.Assign(name, value)
	}
	env.Shell.SetVar(name, value, false)
	return nil
}

// allVars lists the variables with their attributes, also those declared
// without a value (export NAME), when the shell can say: Shell.Vars
// lists those with values.
func allVars(env *command.Env) []command.Var {
	if l, ok := env.Shell.(Lang); ok {
		return l.LangVars()
	}
	vs := env.Shell.Vars()
	for i := range vs {
		vs[i].Set = true
	}
	return vs
}

// defaultPath is command -p's PATH: where the standard utilities are,
// as bash's.
const defaultPath = "/bin:/usr/bin:/sbin:/usr/sbin"

// findInPath looks name up in the directories of path (colon-separated;
// an empty entry is the working directory) as the context sees them (as
// a background job's snapshot does, in a job): the regular files there,
// executable ones only with exe. It returns the first, or with all every
// one. Without a context (unit tests), the process's own view.
func findInPath(env *command.Env, name, path string, exe, all bool) ([]string, error) {
	var found []string
	look := func(fs nsctx.FS) error {
		for _, dir := range filepath.SplitList(path) {
			if dir == "" {
				dir = "."
			}
			p := filepath.Join(dir, name)
			if dir == "." {
				p = "./" + name
			}
			f, err := fs.Open(p, unix.O_PATH, 0)
			if err != nil {
				continue
			}
			st, err := f.Stat()
			f.Close()
			if err != nil || !st.Mode().IsRegular() || exe && st.Mode().Perm()&0o111 == 0 {
				continue
			}
			found = append(found, p)
			if !all {
				return nil
			}
		}
		return nil
	}
	var err error
	if env.Ctx == nil {
		err = look(nsctx.HereFS)
	} else {
		err = env.Ctx.FilesIn(env.Snap, look)
	}
	return found, err
}

// isName reports whether s is a variable name: a letter or _, then
// letters, digits and _.
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// splitOptions takes the leading option words of args[1:] ("-x", "-abc",
// until "--", "-" or the first operand) and returns their letters and
// the operands. Letters not in allowed are a usage error.
func splitOptions(args []string, allowed string) (string, []string, error) {
	ops := args[1:]
	var letters strings.Builder
	for len(ops) > 0 && len(ops[0]) > 1 && ops[0][0] == '-' {
		a := ops[0]
		ops = ops[1:]
		if a == "--" {
			break
		}
		for _, c := range a[1:] {
			if !strings.ContainsRune(allowed, c) {
				return "", nil, usageError("-%c is not an option of %s", c, args[0])
			}
			letters.WriteRune(c)
		}
	}
	return letters.String(), ops, nil
}

// langOptions is how most language builtins start: the shell as Lang,
// then splitOptions.
func langOptions(env *command.Env, args []string, allowed string) (Lang, string, []string, error) {
	l, err := langOf(env)
	if err != nil {
		return nil, "", nil, err
	}
	opts, ops, err := splitOptions(args, allowed)
	return l, opts, ops, err
}
