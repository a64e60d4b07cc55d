package lang

import (
	"errors"
	"maps"
	"os"
	"sort"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/builtins"
)

// vars holds the shell's variables: the globals, and a scope for each
// function call running (local), innermost last. A name resolves in the
// innermost scope that has it, then in the globals: dynamic scoping, as
// in dash and bash.
type vars struct {
	global map[string]*expand.Variable
	scopes []map[string]*expand.Variable
	env    []string // the exported variables, until one changes
}

func newVars(environ []string) *vars {
	v := &vars{global: map[string]*expand.Variable{}}
	for _, kv := range environ {
		if name, value, ok := strings.Cut(kv, "="); ok && syntax.ValidName(name) {
			v.global[name] = &expand.Variable{Set: true, Exported: true, Kind: expand.String, Str: value}
		}
	}
	return v
}

// copy is a deep copy, for a subshell: nothing it sets reaches the parent.
func (v *vars) copy() *vars {
	c := &vars{global: copyScope(v.global), env: v.env}
	for _, s := range v.scopes {
		c.scopes = append(c.scopes, copyScope(s))
	}
	return c
}

func copyScope(s map[string]*expand.Variable) map[string]*expand.Variable {
	c := make(map[string]*expand.Variable, len(s))
	for k, vr := range s {
		d := *vr
		c[k] = &d
	}
	return c
}

// lookup finds where name lives; nil if nowhere.
func (v *vars) lookup(name string) *expand.Variable {
	for i := len(v.scopes) - 1; i >= 0; i-- {
		if vr, ok := v.scopes[i][name]; ok {
			return vr
		}
	}
	return v.global[name]
}

func (v *vars) get(name string) expand.Variable {
	if vr := v.lookup(name); vr != nil {
		return *vr
	}
	return expand.Variable{}
}

var errReadOnly = errors.New("is read-only")

// ReadOnlyError is an assignment to a read-only variable.
type ReadOnlyError struct{ Name string }

func (e *ReadOnlyError) Error() string { return e.Name + ": " + errReadOnly.Error() }
func (e *ReadOnlyError) Unwrap() error { return errReadOnly }

// set gives name a value (or unsets it, for !vr.Set), where it resolves:
// in the innermost scope that has it, else globally. Attributes are kept
// and only added to; a read-only variable refuses.
func (v *vars) set(name string, vr expand.Variable) error {
	cur := v.lookup(name)
	if cur == nil {
		if !vr.Set && !vr.Declared() {
			return nil
		}
		d := vr
		v.global[name] = &d
		v.changed(&d)
		return nil
	}
	if cur.ReadOnly && vr.Kind != expand.KeepValue {
		return &ReadOnlyError{name}
	}
	was := cur.Exported
	if vr.Kind != expand.KeepValue {
		cur.Set, cur.Kind, cur.Str, cur.List, cur.Map = vr.Set, vr.Kind, vr.Str, vr.List, vr.Map
	}
	cur.Exported = cur.Exported || vr.Exported
	cur.ReadOnly = cur.ReadOnly || vr.ReadOnly
	if !cur.Set && !cur.Local && !cur.Exported && !cur.ReadOnly {
		v.remove(name)
	}
	if was || cur.Exported {
		v.env = nil
	}
	return nil
}

func (v *vars) changed(vr *expand.Variable) {
	if vr.Exported {
		v.env = nil
	}
}

// remove deletes name where it resolves (unset). A local stays declared
// in its scope, unset, so the caller's variable is not revealed.
func (v *vars) remove(name string) {
	for i := len(v.scopes) - 1; i >= 0; i-- {
		if vr, ok := v.scopes[i][name]; ok {
			if vr.Exported {
				v.env = nil
			}
			*vr = expand.Variable{Local: true}
			return
		}
	}
	if vr, ok := v.global[name]; ok {
		if vr.Exported {
			v.env = nil
		}
		delete(v.global, name)
	}
}

// unset removes a variable; a read-only one refuses.
func (v *vars) unset(name string) error {
	if vr := v.lookup(name); vr != nil && vr.ReadOnly {
		return &ReadOnlyError{name}
	}
	v.remove(name)
	return nil
}

// local declares name in the innermost function scope, starting unset
// (or with the value it has outside, with -: as in bash, it starts
// unset).
func (v *vars) local(name string) error {
	if len(v.scopes) == 0 {
		return errors.New("local can only be used in a function")
	}
	s := v.scopes[len(v.scopes)-1]
	if _, ok := s[name]; !ok {
		if outer := v.lookup(name); outer != nil && outer.ReadOnly {
			return &ReadOnlyError{name}
		}
		s[name] = &expand.Variable{Local: true}
	}
	v.env = nil
	return nil
}

func (v *vars) push() { v.scopes = append(v.scopes, map[string]*expand.Variable{}) }

func (v *vars) pop() {
	s := v.scopes[len(v.scopes)-1]
	v.scopes = v.scopes[:len(v.scopes)-1]
	for _, vr := range s {
		if vr.Exported {
			v.env = nil
			return
		}
	}
}

// environ is what programs get: every exported variable that is set.
func (v *vars) environ() []string {
	if v.env != nil {
		return v.env
	}
	seen := map[string]bool{}
	var env []string
	add := func(s map[string]*expand.Variable) {
		for name, vr := range s {
			if seen[name] {
				continue
			}
			seen[name] = true
			if vr.Exported && vr.Set && vr.Kind == expand.String {
				env = append(env, name+"="+vr.Str)
			}
		}
	}
	for i := len(v.scopes) - 1; i >= 0; i-- {
		add(v.scopes[i])
	}
	add(v.global)
	if env == nil {
		env = []string{}
	}
	v.env = env
	return env
}

// names lists the visible variables, sorted.
func (v *vars) names() []string {
	seen := map[string]bool{}
	for _, s := range v.scopes {
		for k := range s {
			seen[k] = true
		}
	}
	for k := range v.global {
		seen[k] = true
	}
	names := make([]string, 0, len(seen))
	for k := range seen {
		if v.lookup(k).Set || v.lookup(k).Declared() {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// env is the shell's variables as the expand package sees them, with the
// special parameters ($#, $@, $?, $$, $!, $-, $0..$N, LINENO) answered
// from the shell's state.
type env struct{ sh *Shell }

func (e env) Get(name string) expand.Variable {
	sh := e.sh
	if name == plainLineno {
		name = "LINENO"
	}
	str := func(s string) expand.Variable { return expand.Variable{Set: true, Kind: expand.String, Str: s} }
	switch name {
	case "#":
		return str(strconv.Itoa(len(sh.params)))
	case "@", "*":
		// Never nil: expand takes a nil list for no list at all, and
		// "$@" would give one empty word instead of none.
		return expand.Variable{Set: true, Kind: expand.Indexed, List: append([]string{}, sh.params...)}
	case "?":
		return str(strconv.Itoa(sh.last))
	case "$":
		return str(strconv.Itoa(os.Getpid()))
	case "!":
		if sh.lastBg == 0 {
			return expand.Variable{}
		}
		return str(strconv.Itoa(sh.lastBg))
	case "-":
		return str(sh.opts.flags())
	case "0":
		return str(sh.name)
	case "LINENO":
		if !sh.linenoPlain {
			return str(strconv.Itoa(sh.line))
		}
	case "PPID":
		return str(strconv.Itoa(os.Getppid()))
	}
	if c := name[0]; c >= '1' && c <= '9' {
		if n, err := strconv.Atoi(name); err == nil {
			if n <= len(sh.params) {
				return str(sh.params[n-1])
			}
			return expand.Variable{}
		}
	}
	return sh.vars.get(name)
}

func (e env) Each(fn func(name string, vr expand.Variable) bool) {
	for _, name := range e.sh.vars.names() {
		if !fn(name, e.sh.vars.get(name)) {
			return
		}
	}
}

// Set is how expansions assign (${X:=default}, $((i+=1))).
func (e env) Set(name string, vr expand.Variable) error {
	if name == plainLineno {
		name = "LINENO"
	}
	return e.sh.setVar(name, vr)
}

// setVar assigns, honouring set -a.
func (sh *Shell) setVar(name string, vr expand.Variable) error {
	if sh.opts.allexport && vr.Set {
		vr.Exported = true
	}
	if err := sh.vars.set(name, vr); err != nil {
		return err
	}
	if name == "OPTIND" {
		// OPTIND=1 starts getopts afresh, inside a group too.
		sh.getopts = builtins.GetoptsState{}
	}
	return nil
}

// setString assigns a plain value.
func (sh *Shell) setString(name, value string) error {
	return sh.setVar(name, expand.Variable{Set: true, Kind: expand.String, Str: value})
}

func (sh *Shell) varString(name string) (string, bool) {
	vr := env{sh}.Get(name)
	return vr.String(), vr.IsSet()
}

// cloneParams copies positional parameters so that a subshell's shift does
// not reach its parent.
func cloneParams(p []string) []string { return append([]string(nil), p...) }

var _ = maps.Clone[map[string]string]

// quoteValue single-quotes s when the shell would read it specially, so that
// set and export -p print what reads back.
func quoteValue(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$;&|<>#~*?()`{}[]!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
