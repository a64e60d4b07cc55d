package builtins

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var aliasCmd = &Builtin{
	Name:    "alias",
	Summary: "define or list aliases",
	Usage:   "alias [-p] [NAME[=VALUE]...]",
	Help: `NAME=VALUE makes NAME an alias: a command word NAME is read as VALUE
(a VALUE ending in a blank lets the next word be an alias too). NAME
alone prints that alias, and without operands every alias is listed, as
NAME='VALUE' (with -p, as alias NAME='VALUE': commands that define them
again). A NAME that is no alias makes the status 1.

  alias ll='ls -l' ipb='ip -br'
  alias ipb`,
	Options: []string{"-p"},
	Thread:  true,
	Pure:    true,
	Run: func(env *command.Env, args []string) error {
		l, opts, ops, err := langOptions(env, args, "p")
		if err != nil {
			return err
		}
		prefix := ""
		if opts != "" {
			prefix = "alias "
		}
		if len(ops) == 0 {
			all := l.Aliases()
			names := make([]string, 0, len(all))
			for name := range all {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				fmt.Fprintf(env.Stdout, "%s%s=%s\n", prefix, name, singleQuote(all[name]))
			}
			return nil
		}
		var first error
		for _, a := range ops {
			name, value, set := strings.Cut(a, "=")
			switch {
			case set && !aliasName(name):
				err = fmt.Errorf("%q is not an alias name", name)
			case set:
				l.SetAlias(name, value, false)
			default:
				if value, ok := l.Alias(name); ok {
					fmt.Fprintf(env.Stdout, "%s%s=%s\n", prefix, name, singleQuote(value))
				} else {
					err = fmt.Errorf("%s: not found", name)
				}
			}
			if err != nil && first == nil {
				first = err
			}
		}
		return first
	},
}

var unaliasCmd = &Builtin{
	Name:    "unalias",
	Summary: "remove aliases",
	Usage:   "unalias NAME...\nunalias -a",
	Help: `Removes the aliases named (status 1 if one is no alias), or with -a
every alias.

  unalias ll`,
	Options: []string{"-a"},
	Thread:  true,
	Pure:    true,
	Run: func(env *command.Env, args []string) error {
		l, opts, names, err := langOptions(env, args, "a")
		if err != nil {
			return err
		}
		if opts != "" {
			for name := range l.Aliases() {
				l.SetAlias(name, "", true)
			}
			return nil
		}
		if len(names) == 0 {
			return usageError("no alias named")
		}
		var first error
		for _, name := range names {
			if _, ok := l.Alias(name); !ok {
				if first == nil {
					first = fmt.Errorf("%s: not found", name)
				}
				continue
			}
			l.SetAlias(name, "", true)
		}
		return first
	},
}

// aliasName reports whether name may be an alias: a word with nothing the
// shell would read specially in it.
func aliasName(name string) bool {
	return name != "" && !strings.ContainsAny(name, " \t\n'\"\\$`=/|&;()<>")
}
