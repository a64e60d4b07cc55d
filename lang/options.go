package lang

import (
	"fmt"
	"sort"
	"strings"
)

// options are set's: each has a letter (most do) and a -o name.
type options struct {
	allexport   bool // -a
	errexit     bool // -e
	noglob      bool // -f
	noexec      bool // -n
	nounset     bool // -u
	verbose     bool // -v
	xtrace      bool // -x
	noclobber   bool // -C
	notify      bool // -b
	pipefail    bool
	ignoreeof   bool
	interactive bool // i: not settable
	stdin       bool // s: commands from standard input; not settable
	monitor     bool // -m: job control, on a terminal
}

type option struct {
	letter byte
	name   string
	field  func(o *options) *bool
}

var optionTable = []option{
	{'a', "allexport", func(o *options) *bool { return &o.allexport }},
	{'b', "notify", func(o *options) *bool { return &o.notify }},
	{'C', "noclobber", func(o *options) *bool { return &o.noclobber }},
	{'e', "errexit", func(o *options) *bool { return &o.errexit }},
	{'f', "noglob", func(o *options) *bool { return &o.noglob }},
	{'m', "monitor", func(o *options) *bool { return &o.monitor }},
	{'n', "noexec", func(o *options) *bool { return &o.noexec }},
	{'u', "nounset", func(o *options) *bool { return &o.nounset }},
	{'v', "verbose", func(o *options) *bool { return &o.verbose }},
	{'x', "xtrace", func(o *options) *bool { return &o.xtrace }},
	{0, "ignoreeof", func(o *options) *bool { return &o.ignoreeof }},
	{0, "pipefail", func(o *options) *bool { return &o.pipefail }},
}

// flags is $-: the letters of the options that are on.
func (o *options) flags() string {
	var b strings.Builder
	for _, op := range optionTable {
		if op.letter != 0 && *op.field(o) {
			b.WriteByte(op.letter)
		}
	}
	if o.interactive {
		b.WriteByte('i')
	}
	if o.stdin {
		b.WriteByte('s')
	}
	return b.String()
}

// setLetter sets an option by its letter. k is nsh's "keep going", kept
// from before the language followed POSIX: set -k is set +e.
func (o *options) setLetter(c byte, on bool) error {
	if c == 'k' {
		o.errexit = !on
		return nil
	}
	for _, op := range optionTable {
		if op.letter == c {
			*op.field(o) = on
			return nil
		}
	}
	return fmt.Errorf("unknown option -%c (set -o lists them)", c)
}

func (o *options) setName(name string, on bool) error {
	if name == "keep-going" || name == "keepgoing" {
		o.errexit = !on
		return nil
	}
	for _, op := range optionTable {
		if op.name == name {
			*op.field(o) = on
			return nil
		}
	}
	names := make([]string, 0, len(optionTable))
	for _, op := range optionTable {
		names = append(names, op.name)
	}
	sort.Strings(names)
	return fmt.Errorf("unknown option %q (options: %s)", name, strings.Join(names, " "))
}

func (o *options) name(name string) (on, ok bool) {
	if name == "keepgoing" || name == "keep-going" {
		return !o.errexit, true
	}
	for _, op := range optionTable {
		if op.name == name {
			return *op.field(o), true
		}
	}
	return false, false
}

// list is set -o's answer (or set +o's, in a form that reads back).
func (o *options) list(reusable bool) string {
	ops := append([]option(nil), optionTable...)
	sort.Slice(ops, func(i, j int) bool { return ops[i].name < ops[j].name })
	var b strings.Builder
	for _, op := range ops {
		on := *op.field(o)
		switch {
		case reusable && on:
			fmt.Fprintf(&b, "set -o %s\n", op.name)
		case reusable:
			fmt.Fprintf(&b, "set +o %s\n", op.name)
		case on:
			fmt.Fprintf(&b, "%-15s on\n", op.name)
		default:
			fmt.Fprintf(&b, "%-15s off\n", op.name)
		}
	}
	return b.String()
}
