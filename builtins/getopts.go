package builtins

import (
	"strconv"
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var getoptsCmd = &Builtin{
	Name:    "getopts",
	Summary: "parse a script's or function's options, one per call",
	Usage:   "getopts OPTSTRING NAME [ARG...]",
	Help: `Reads the next option of the ARGs (or of $1..$N) into the variable NAME,
as POSIX's getopts: OPTSTRING lists the option letters, a letter
followed by : takes an argument (-fFILE or -f FILE), put in OPTARG.
Options may be grouped (-ab); the first operand, or --, ends them.
OPTIND is the index of the next ARG (1 at the start: set OPTIND=1 to
parse again). Status 1 at the end, with NAME set to ?.

An unknown option sets NAME to ?, and so does one missing its argument;
getopts says which on standard error. With OPTSTRING starting with :,
it says nothing, sets NAME to ? (unknown) or : (missing argument) and
OPTARG to the option letter.

  while getopts n:v opt; do
      case $opt in
      n) ns=$OPTARG ;;
      v) verbose=1 ;;
      ?) echo "usage: $0 [-v] [-n NS]"; exit 2 ;;
      esac
  done
  shift $((OPTIND - 1))`,
	Thread: true,
	Pure:   true,
	Run: func(env *command.Env, args []string) error {
		l, err := langOf(env)
		if err != nil {
			return err
		}
		if len(args) < 3 {
			return usageError("want OPTSTRING and NAME")
		}
		optstring, name := args[1], args[2]
		if err := checkName(name); err != nil {
			return err
		}
		words := args[3:]
		if len(args) == 3 {
			words = l.Params()
		}
		st := *l.Getopts()
		v, _ := l.Var("OPTIND")
		if optind, err := strconv.Atoi(v); err != nil || optind != st.Next {
			// The script set OPTIND (or this is the first call).
			if err != nil || optind < 1 {
				optind = 1
			}
			st = GetoptsState{Next: optind}
		}
		silent := strings.HasPrefix(optstring, ":")
		o := nextOption(&st, strings.TrimPrefix(optstring, ":"), words)
		value, optarg, hasArg := string(o.letter), o.arg, o.kind == optArg
		switch {
		case o.kind == optDone:
			value = "?"
		case silent && o.kind == optUnknown:
			value, optarg, hasArg = "?", string(o.letter), true
		case silent && o.kind == optMissing:
			value, optarg, hasArg = ":", string(o.letter), true
		case o.kind == optUnknown:
			value = "?"
			warn(env, args[0], "illegal option -- %c", o.letter)
		case o.kind == optMissing:
			value = "?"
			warn(env, args[0], "option requires an argument -- %c", o.letter)
		}
		// OPTIND first: assigning OPTIND makes the shell forget where
		// getopts is, and this assignment is getopts' own.
		err = assign(env, "OPTIND", strconv.Itoa(st.Next))
		*l.Getopts() = st
		if err == nil {
			err = assign(env, name, value)
		}
		if err == nil && hasArg {
			err = assign(env, "OPTARG", optarg)
		} else if err == nil {
			err = l.Remove("OPTARG")
		}
		if err != nil {
			return err
		}
		if o.kind == optDone {
			return command.ExitStatus(1)
		}
		return nil
	},
}

// What nextOption found.
const (
	optPlain   = iota // an option without an argument
	optArg            // an option with its argument
	optUnknown        // a letter not in OPTSTRING
	optMissing        // an option whose argument is missing
	optDone           // no more options
)

type option struct {
	kind   int
	letter byte
	arg    string
}

// nextOption reads the option at st in words, as getopts does, and moves
// st past it (and its argument). At the end, st.Next is the index of the
// first operand (past a --).
func nextOption(st *GetoptsState, optstring string, words []string) option {
	i := st.Next - 1
	if i >= len(words) {
		return option{kind: optDone}
	}
	w := words[i]
	if st.Inner <= 0 || st.Inner >= len(w) {
		st.Inner = 1
		if w == "--" {
			st.Next, st.Inner = st.Next+1, 0
			return option{kind: optDone}
		}
		if len(w) < 2 || w[0] != '-' {
			st.Inner = 0
			return option{kind: optDone}
		}
	}
	c := w[st.Inner]
	st.Inner++
	at := strings.IndexByte(optstring, c)
	takesArg := at >= 0 && at+1 < len(optstring) && optstring[at+1] == ':'
	if !takesArg {
		if st.Inner >= len(w) {
			st.Next, st.Inner = st.Next+1, 0
		}
		if c == ':' || at < 0 {
			return option{kind: optUnknown, letter: c}
		}
		return option{kind: optPlain, letter: c}
	}
	o := option{kind: optArg, letter: c}
	switch {
	case st.Inner < len(w): // -fFILE
		o.arg = w[st.Inner:]
		st.Next++
	case i+1 < len(words): // -f FILE
		o.arg = words[i+1]
		st.Next += 2
	default:
		o.kind = optMissing
		st.Next++
	}
	st.Inner = 0
	return o
}
