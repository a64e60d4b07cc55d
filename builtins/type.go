package builtins

import (
	"fmt"
	"io"
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var typeCmd = &Builtin{
	Name:    "type",
	Summary: "say what a command name is: alias, keyword, function, builtin or program",
	Usage:   "type [-a] [-t|-p|-P] NAME...",
	Help: `Says what each NAME runs as a command: NAME is an alias for TEXT, is a
shell keyword, is a function (and its text), is a special shell builtin,
is a shell builtin, is a plugin command, or is PATH (a program found in
PATH as the context sees it). Status 1 if any NAME is none of these.

  -t   only the word: alias, keyword, function, builtin, plugin or file
  -p   only the path, for a NAME that runs a program
  -P   the path of a program NAME, even if a builtin or function comes first
  -a   every one, in the order the shell looks (all programs in PATH)

  type ip setns
  [ "$(type -t cleanup)" = function ] && cleanup`,
	Options:  []string{"-a", "-t", "-p", "-P"},
	Operands: Commands,
	Run: func(env *command.Env, args []string) error {
		l, opts, names, err := langOptions(env, args, "atpP")
		if err != nil {
			return err
		}
		mode := byte('V')
		for _, c := range []byte("tpP") {
			if strings.IndexByte(opts, c) >= 0 {
				mode = c
			}
		}
		missing := false
		for _, name := range names {
			found, err := describe(env, l, name, mode, strings.Contains(opts, "a"))
			if err != nil {
				return err
			}
			if !found {
				missing = true
				if mode == 'V' {
					warn(env, args[0], "%s: not found", name)
				}
			}
		}
		if missing {
			return command.ExitStatus(1)
		}
		return nil
	},
}

// hit is a command name as describe finds it: what (LookupCommand's words) and
// the program's path.
type hit struct{ what, path string }

// describe writes what name is, in one of the forms of command and type:
// mode 'v' (command -v: the path, or the name, or the alias as a
// command), 'V' (a sentence), 't' (a word), 'p' (the path of a program),
// 'P' (the path in PATH, whatever comes first). all: every one in the
// order the shell looks, not the first. It reports whether there was any.
func describe(env *command.Env, l Lang, name string, mode byte, all bool) (bool, error) {
	what, path := l.LookupCommand(name)
	var fs []hit
	switch {
	case all || mode == 'P':
		if mode != 'P' {
			fs = everything(l, name, what, path)
		}
		paths := []string{path}
		if what != "file" {
			paths = nil
		}
		if !strings.Contains(name, "/") {
			dirs, _ := l.Var("PATH")
			var err error
			if paths, err = findInPath(env, name, dirs, true, all); err != nil {
				return false, err
			}
		}
		for _, p := range paths {
			fs = append(fs, hit{"file", p})
		}
	case what != "":
		fs = []hit{{what, path}}
	}
	for _, f := range fs {
		writeFound(env.Stdout, l, name, f, mode)
	}
	return len(fs) > 0, nil
}

// everything is what name is besides a program, in the order the shell
// looks: alias, keyword, function, builtin, plugin command.
func everything(l Lang, name, what, path string) []hit {
	var fs []hit
	if _, ok := l.Alias(name); ok {
		fs = append(fs, hit{what: "alias"})
	}
	if what == "keyword" {
		fs = append(fs, hit{what: what})
	}
	if l.IsFunc(name) {
		fs = append(fs, hit{what: "function"})
	}
	if b, ok := Lookup(name); ok && b.Special {
		fs = append(fs, hit{what: "special builtin"})
	} else if ok {
		fs = append(fs, hit{what: "builtin"})
	}
	if what == "plugin" {
		fs = append(fs, hit{what, path})
	}
	return fs
}

// sentences are type's words for what a name is.
var sentences = map[string]string{
	"keyword":         "a shell keyword",
	"special builtin": "a special shell builtin",
	"builtin":         "a shell builtin",
	"plugin":          "a plugin command",
}

func writeFound(w io.Writer, l Lang, name string, f hit, mode byte) {
	switch mode {
	case 'p', 'P':
		if f.what == "file" {
			fmt.Fprintln(w, f.path)
		}
	case 't':
		fmt.Fprintln(w, strings.TrimPrefix(f.what, "special "))
	case 'v':
		switch f.what {
		case "file":
			fmt.Fprintln(w, f.path)
		case "alias":
			text, _ := l.Alias(name)
			fmt.Fprintf(w, "alias %s=%s\n", name, singleQuote(text))
		default:
			fmt.Fprintln(w, name)
		}
	default:
		switch f.what {
		case "file":
			fmt.Fprintf(w, "%s is %s\n", name, f.path)
		case "alias":
			text, _ := l.Alias(name)
			fmt.Fprintf(w, "%s is an alias for %s\n", name, text)
		case "function":
			text, _ := l.FuncText(name)
			fmt.Fprintf(w, "%s is a function\n%s\n", name, strings.TrimRight(text, "\n"))
		default:
			fmt.Fprintf(w, "%s is %s\n", name, sentences[f.what])
		}
	}
}
