package builtins

import (
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var echoCmd = &Builtin{
	Name:    "echo",
	Summary: "print its arguments",
	Usage:   "echo [-neE] [ARG...]",
	Help: `Prints the arguments separated by blanks, then a newline, as bash's echo
does. Leading arguments made only of the letters n, e and E are options:
-n leaves the newline out, -e reads backslash escapes (\n \t \\ \a \b \e
\f \r \v, \0NNN octal, \xHH, \uHHHH, \UHHHHHHHH; \c ends the output
there), -E does not (the default). Any other argument, -- too, is text.
printf is the portable way to print text that may start with -.

  echo "netns: $ns"
  echo -n 'no newline'
  echo -e 'a\tb'`,
	Operands: Files,
	Pure:     true,
	Thread:   true,
	Run: func(env *command.Env, args []string) error {
		args = args[1:]
		newline, escapes := true, false
		for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && strings.Trim(args[0][1:], "neE") == "" {
			for _, c := range args[0][1:] {
				switch c {
				case 'n':
					newline = false
				case 'e':
					escapes = true
				case 'E':
					escapes = false
				}
			}
			args = args[1:]
		}
		var out []byte
		for i, a := range args {
			if i > 0 {
				out = append(out, ' ')
			}
			if !escapes {
				out = append(out, a...)
				continue
			}
			var stop bool
			if out, stop = doEscapes(out, a, escEcho); stop {
				env.Stdout.Write(out) // Call reports a failed write
				return nil
			}
		}
		if newline {
			out = append(out, '\n')
		}
		env.Stdout.Write(out)
		return nil
	},
}
