package builtins

import (
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var commandCmd = &Builtin{
	Name:    "command",
	Summary: "run a builtin or program, skipping functions; or say what a name is",
	Usage:   "command [-p] CMD [ARG...]\ncommand [-p] -v|-V NAME...",
	Help: `Runs CMD as a builtin or a program even when a function (or alias) of
that name exists; a special builtin run this way does not end a script
when it fails. -p looks programs up in a standard PATH (` + defaultPath + `)
instead of $PATH.

  -v   print how each NAME would be found: a program's path, the name of a
       builtin, function or keyword, or alias NAME='TEXT'; status 1 if
       none is found
  -V   say it in a sentence, as type does

  ip() { command ip -br "$@"; }
  command -v jq >/dev/null || { echo "need jq"; exit 1; }`,
	Options:  []string{"-p", "-v", "-V"},
	Operands: Commands,
	Run: func(env *command.Env, args []string) error {
		l, opts, ops, err := langOptions(env, args, "pvV")
		if err != nil {
			return err
		}
		if len(ops) == 0 {
			return nil
		}
		std := strings.Contains(opts, "p")
		mode := byte(0)
		for _, c := range []byte("vV") {
			if strings.IndexByte(opts, c) >= 0 {
				mode = c
			}
		}
		if mode == 0 {
			argv := ops
			if std {
				if argv, err = standardPath(env, ops); err != nil {
					return err
				}
			}
			return l.Command(env, argv)
		}
		some := false
		for _, name := range ops {
			var ok bool
			if std {
				ok, err = describeStandard(env, l, name, mode)
			} else {
				ok, err = describe(env, l, name, mode, false)
			}
			if err != nil {
				return err
			}
			if !ok && mode == 'V' {
				warn(env, args[0], "%s: not found", name)
			}
			some = some || ok
		}
		if !some {
			return command.ExitStatus(1)
		}
		return nil
	},
}

// standardPath is argv with its program looked up in defaultPath, for
// command -p: a name that is a builtin (or has a slash) stays as it is.
func standardPath(env *command.Env, argv []string) ([]string, error) {
	if _, ok := Lookup(argv[0]); ok || strings.Contains(argv[0], "/") {
		return argv, nil
	}
	paths, err := findInPath(env, argv[0], defaultPath, true, false)
	if err != nil || len(paths) == 0 {
		return argv, err // not found: Command says so
	}
	return append([]string{paths[0]}, argv[1:]...), nil
}

// describeStandard is describe for command -p -v and -V: a program is
// looked for in defaultPath.
func describeStandard(env *command.Env, l Lang, name string, mode byte) (bool, error) {
	if what, _ := l.LookupCommand(name); what != "file" && what != "" || strings.Contains(name, "/") {
		return describe(env, l, name, mode, false)
	}
	paths, err := findInPath(env, name, defaultPath, true, false)
	if err != nil || len(paths) == 0 {
		return false, err
	}
	writeFound(env.Stdout, l, name, hit{"file", paths[0]}, mode)
	return true, nil
}
