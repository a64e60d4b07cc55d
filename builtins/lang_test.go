package builtins

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/jobs"
)

// fakeLang is a small shell language for the language builtins' tests:
// variables with attributes and function scopes, positional parameters,
// options, functions, aliases and traps, with the semantics the builtins
// expect of the real one (lang/). Eval and Command record what they are
// given.
type fakeLang struct {
	vars    map[string]*command.Var
	scopes  []map[string]*command.Var // function calls running, innermost last
	params  []string
	opts    map[byte]bool
	named   map[string]bool
	funcs   map[string]string
	aliases map[string]string
	traps   []Trap
	getopts GetoptsState
	hashed  map[string]string
	last    int
	jobs    *jobs.Jobs

	evals    []string
	commands [][]string
	cmdErr   error             // what Command returns
	lookups  map[string]string // LookupCommand: name -> "what path"
	sourced  [][]string        // file and args of each Source
}

func newFakeLang() *fakeLang {
	return &fakeLang{
		vars:    map[string]*command.Var{"OPTIND": {Name: "OPTIND", Value: "1", Set: true}},
		opts:    map[byte]bool{},
		named:   map[string]bool{},
		funcs:   map[string]string{},
		aliases: map[string]string{},
		lookups: map[string]string{},
	}
}

var fakeLetters = map[byte]string{'a': "allexport", 'C': "noclobber", 'e': "errexit", 'f': "noglob", 'n': "noexec", 'u': "nounset", 'v': "verbose", 'x': "xtrace"}

func (f *fakeLang) lookup(name string) *command.Var {
	for i := len(f.scopes) - 1; i >= 0; i-- {
		if v, ok := f.scopes[i][name]; ok {
			return v
		}
	}
	return f.vars[name]
}

func (f *fakeLang) make(name string) *command.Var {
	v := f.lookup(name)
	if v == nil {
		v = &command.Var{Name: name}
		f.vars[name] = v
	}
	return v
}

func (f *fakeLang) Environ() []string {
	var env []string
	for _, v := range f.LangVars() {
		if v.Exported && v.Set {
			env = append(env, v.Name+"="+v.Value)
		}
	}
	return env
}
func (f *fakeLang) LastStatus() int { return f.last }
func (f *fakeLang) Var(name string) (string, bool) {
	if v := f.lookup(name); v != nil && v.Set {
		return v.Value, true
	}
	return "", false
}
func (f *fakeLang) SetVar(name, value string, export bool) {
	if v := f.lookup(name); v == nil || !v.ReadOnly {
		f.Assign(name, value)
		f.make(name).Exported = f.make(name).Exported || export
	}
}
func (f *fakeLang) Export(name string) { f.make(name).Exported = true }
func (f *fakeLang) Unset(name string)  { f.Remove(name) }
func (f *fakeLang) Vars() []command.Var {
	var vs []command.Var
	for _, v := range f.LangVars() {
		if v.Set {
			vs = append(vs, v)
		}
	}
	return vs
}
func (f *fakeLang) Option(name string) bool {
	on, _ := f.namedOption(name)
	return on
}
func (f *fakeLang) SetOption(name string, on bool) error {
	if name == "keepgoing" {
		name, on = "errexit", !on
	}
	for c, n := range fakeLetters {
		if n == name {
			f.opts[c] = on
			return nil
		}
	}
	if name == "pipefail" {
		f.named[name] = on
		return nil
	}
	return fmt.Errorf("unknown option %q", name)
}
func (f *fakeLang) SetFlag(letter byte, on bool) error {
	if letter == 'k' {
		letter, on = 'e', !on
	}
	if _, ok := fakeLetters[letter]; !ok {
		return fmt.Errorf("unknown option -%c", letter)
	}
	f.opts[letter] = on
	return nil
}
func (f *fakeLang) Source(env *command.Env, file string, args []string) error {
	f.sourced = append(f.sourced, append([]string{file}, args...))
	return nil
}
func (f *fakeLang) Jobs() *jobs.Jobs {
	if f.jobs == nil {
		f.jobs = jobs.NewJobs(-1)
	}
	return f.jobs
}
func (f *fakeLang) Started(*jobs.Job)           {}
func (f *fakeLang) Plugins() command.PluginHost { return nil }

func (f *fakeLang) Params() []string        { return f.params }
func (f *fakeLang) SetParams(args []string) { f.params = append([]string(nil), args...) }
func (f *fakeLang) Assign(name, value string) error {
	v := f.make(name)
	if v.ReadOnly {
		return fmt.Errorf("%s: is read-only", name)
	}
	v.Value, v.Set = value, true
	if name == "OPTIND" {
		// As the shell does: getopts starts again.
		f.getopts = GetoptsState{}
	}
	return nil
}
func (f *fakeLang) Local(name string) error {
	if len(f.scopes) == 0 {
		return errors.New("local can only be used in a function")
	}
	s := f.scopes[len(f.scopes)-1]
	if _, ok := s[name]; !ok {
		s[name] = &command.Var{Name: name}
	}
	return nil
}
func (f *fakeLang) ReadOnly(name string) error { f.make(name).ReadOnly = true; return nil }
func (f *fakeLang) Remove(name string) error {
	v := f.lookup(name)
	switch {
	case v == nil:
	case v.ReadOnly:
		return fmt.Errorf("%s: is read-only", name)
	case len(f.scopes) > 0 && f.scopes[len(f.scopes)-1][name] == v:
		*v = command.Var{Name: name}
	default:
		delete(f.vars, name)
	}
	return nil
}
func (f *fakeLang) Unexport(name string) {
	if v := f.lookup(name); v != nil {
		v.Exported = false
	}
}
func (f *fakeLang) LangVars() []command.Var {
	seen := map[string]bool{}
	var vs []command.Var
	for name := range f.vars {
		if v := f.lookup(name); v != nil && !seen[name] {
			seen[name] = true
			vs = append(vs, *v)
		}
	}
	for _, s := range f.scopes {
		for name := range s {
			if v := f.lookup(name); !seen[name] {
				seen[name] = true
				vs = append(vs, *v)
			}
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Name < vs[j].Name })
	return vs
}
func (f *fakeLang) namedOption(name string) (on, ok bool) {
	if name == "keepgoing" {
		return !f.opts['e'], true
	}
	for c, n := range fakeLetters {
		if n == name {
			return f.opts[c], true
		}
	}
	if name == "pipefail" {
		return f.named[name], true
	}
	return false, false
}
func (f *fakeLang) Options(reusable bool) string {
	names := []string{"pipefail"}
	for _, n := range fakeLetters {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		on, _ := f.namedOption(n)
		switch {
		case reusable:
			fmt.Fprintf(&b, "set %co %s\n", map[bool]byte{true: '-', false: '+'}[on], n)
		default:
			fmt.Fprintf(&b, "%-15s %s\n", n, map[bool]string{true: "on", false: "off"}[on])
		}
	}
	return b.String()
}
func (f *fakeLang) IsFunc(name string) bool { _, ok := f.funcs[name]; return ok }
func (f *fakeLang) FuncText(name string) (string, bool) {
	body, ok := f.funcs[name]
	return name + "() {\n    " + body + "\n}", ok
}
func (f *fakeLang) UnsetFunc(name string)            { delete(f.funcs, name) }
func (f *fakeLang) Alias(name string) (string, bool) { v, ok := f.aliases[name]; return v, ok }
func (f *fakeLang) SetAlias(name, value string, remove bool) {
	if remove {
		delete(f.aliases, name)
	} else {
		f.aliases[name] = value
	}
}
func (f *fakeLang) Aliases() map[string]string { return f.aliases }
func (f *fakeLang) Trap(cond, action string, reset bool) error {
	for i, t := range f.traps {
		if t.Cond == cond {
			f.traps = append(f.traps[:i], f.traps[i+1:]...)
			break
		}
	}
	if !reset {
		f.traps = append(f.traps, Trap{cond, action})
		sort.Slice(f.traps, func(i, j int) bool { return f.traps[i].Cond < f.traps[j].Cond })
	}
	return nil
}
func (f *fakeLang) Traps() []Trap { return f.traps }
func (f *fakeLang) Eval(env *command.Env, text string) error {
	f.evals = append(f.evals, text)
	fmt.Fprintf(env.Stdout, "eval[%s]\n", text)
	return nil
}
func (f *fakeLang) Command(env *command.Env, argv []string) error {
	f.commands = append(f.commands, argv)
	fmt.Fprintf(env.Stdout, "command%q\n", argv)
	return f.cmdErr
}
func (f *fakeLang) LookupCommand(name string) (what, path string) {
	if l, ok := f.lookups[name]; ok {
		what, path, _ = strings.Cut(l, " ")
		return what, path
	}
	if _, ok := f.aliases[name]; ok {
		return "alias", ""
	}
	if f.IsFunc(name) {
		return "function", ""
	}
	if b, ok := Lookup(name); ok {
		if b.Special {
			return "special builtin", ""
		}
		return "builtin", ""
	}
	return "", ""
}
func (f *fakeLang) Getopts() *GetoptsState { return &f.getopts }
func (f *fakeLang) Hashed() map[string]string {
	if f.hashed == nil {
		f.hashed = map[string]string{}
	}
	return f.hashed
}

// words splits a test command line into words: blanks separate them,
// '...' and "..." quote (nothing else is special).
func words(line string) []string {
	var ws []string
	var w strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			w.WriteByte(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				ws = append(ws, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteByte(c)
			in = true
		}
	}
	if in {
		ws = append(ws, w.String())
	}
	return ws
}

// script runs the lines of script, one builtin call each, and returns
// their standard output, with a line for each that fails ("? N"),
// exits ("exit N") or returns ("return N"), and their standard error.
// Test-only commands: "show NAME..." prints variables (NAME=VALUE,
// NAME unset, with [x] for exported and [r] for read-only), "params"
// prints $# and $@, "assign NAME VALUE" is NAME=VALUE, "call" and "ret"
// enter and leave a function, "func NAME BODY" defines a function,
// "last N" sets $?, "isfunc NAME" says whether NAME is a function.
func (f *fakeLang) script(script string) (string, string) {
	var out, errb bytes.Buffer
	for _, line := range strings.Split(script, "\n") {
		args := words(line)
		if len(args) == 0 {
			continue
		}
		env := &command.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Shell: f, Pos: command.Pos{File: "t.sh", Line: 1}}
		var err error
		switch args[0] {
		case "show":
			for _, name := range args[1:] {
				v := f.lookup(name)
				attrs := ""
				if v != nil && v.Exported {
					attrs += "[x]"
				}
				if v != nil && v.ReadOnly {
					attrs += "[r]"
				}
				if v == nil || !v.Set {
					fmt.Fprintf(&out, "%s unset%s\n", name, attrs)
				} else {
					fmt.Fprintf(&out, "%s=%s%s\n", name, v.Value, attrs)
				}
			}
			continue
		case "isfunc":
			fmt.Fprintf(&out, "%s %v\n", args[1], f.IsFunc(args[1]))
			continue
		case "params":
			fmt.Fprintf(&out, "%d %s\n", len(f.params), strings.Join(f.params, " "))
			continue
		case "assign":
			err = f.Assign(args[1], strings.Join(args[2:], " "))
		case "call":
			f.scopes = append(f.scopes, map[string]*command.Var{})
			continue
		case "ret":
			f.scopes = f.scopes[:len(f.scopes)-1]
			continue
		case "func":
			f.funcs[args[1]] = strings.Join(args[2:], " ")
			continue
		case "last":
			fmt.Sscan(args[1], &f.last)
			continue
		default:
			b, ok := Lookup(args[0])
			if !ok {
				panic("no builtin " + args[0])
			}
			err = b.Call(env, args)
		}
		var (
			er *command.ExitRequest
			rr *ReturnRequest
		)
		switch {
		case errors.As(err, &er):
			fmt.Fprintf(&out, "exit %d\n", er.Code)
		case errors.As(err, &rr):
			fmt.Fprintf(&out, "return %d\n", rr.Code)
		case err != nil:
			fmt.Fprintf(&out, "? %d\n", command.Status(err))
			var es command.ExitStatus
			if !errors.As(err, &es) {
				fmt.Fprintf(&errb, "%s: %v\n", args[0], err)
			}
		}
		f.last = command.Status(err)
	}
	return out.String(), errb.String()
}

// langCase is one script for the fake shell: its output, and what its
// standard error must contain (nothing, for "").
type langCase struct {
	name, script, out, errs string
}

func runLangCases(t *testing.T, cases []langCase, setup func(f *fakeLang)) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeLang()
			if setup != nil {
				setup(f)
			}
			out, errs := f.script(c.script)
			if out != c.out {
				t.Errorf("script:\n%s\ngot:\n%s\nwant:\n%s\nstderr: %s", c.script, out, c.out, errs)
			}
			if c.errs == "" && errs != "" || !strings.Contains(errs, c.errs) {
				t.Errorf("script:\n%s\nstderr %q, want it to say %q", c.script, errs, c.errs)
			}
		})
	}
}
