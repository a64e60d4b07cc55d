package builtins

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
)

const testHelp = `Evaluates EXPRESSION and succeeds (status 0) if it is true, fails with
status 1 if it is false and with status 2 if it is malformed. [ is the
same, with a closing ] as its last argument.

Files, as the context sees them (its mount namespace and working
directory): -e exists, -f regular file, -d directory, -L or -h symbolic
link, -b block and -c character device, -p FIFO, -S socket, -s not empty,
-r -w -x readable, writable, executable (by nsh's effective ids), -u -g
-k setuid, setgid, sticky, -O -G owned by the effective user, group, -N
modified since last read; -t FD: FD (0-9) is a terminal. A -nt B, A -ot B:
modified later, earlier (a file that exists is newer than one that does
not); A -ef B: the same file.
Strings: -z S empty, -n S (or S alone) not empty, S = T (or ==), S != T,
S < T, S > T (byte order). Integers: N -eq M, -ne, -lt, -le, -gt, -ge
(decimal, blanks around allowed; anything else is an error).
Shell: -v NAME the variable is set (-v N: $N is), -o OPTION set -o OPTION
is on.
Combined: ! EXPR, ( EXPR ), EXPR -a EXPR, EXPR -o EXPR (-a binds
tighter). With up to 4 arguments POSIX's rules decide by their number, so
[ "$x" = ! ] works whatever $x holds.

  [ -d /run/netns ] || mkdir -p /run/netns
  test "$#" -ge 1 -a -e "$1"
  if [ ! -e "$pin" ]; then pin net "$pin"; fi`

var testCmd = &Builtin{
	Name:     "test",
	Summary:  "evaluate a condition on files, strings or integers",
	Usage:    "test EXPRESSION",
	Help:     testHelp,
	Operands: Files,
	Thread:   true,
	Run:      func(env *command.Env, args []string) error { return classicTest(env, args[1:]) },
}

var bracketCmd = &Builtin{
	Name:     "[",
	Summary:  "evaluate a condition (test with a closing ])",
	Usage:    "[ EXPRESSION ]",
	Help:     testHelp,
	Operands: Files,
	Thread:   true,
	Run: func(env *command.Env, args []string) error {
		if args[len(args)-1] != "]" {
			return &command.StatusError{Code: 2, Err: fmt.Errorf("missing `]'")}
		}
		return classicTest(env, args[1:len(args)-1])
	},
}

// classicTest is test's argument parsing as bash's test.c does it: by
// POSIX's rules for up to four arguments, then the grammar. Like bash it
// evaluates as it parses, both sides of -a and -o included, so that a bad
// integer anywhere is an error.
func classicTest(env *command.Env, args []string) (err error) {
	p := &classic{t: &tester{env: env}, argv: args}
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(testFailure)
			if !ok {
				panic(r)
			}
			err = f.err
		}
	}()
	if !p.run() {
		return command.ExitStatus(1)
	}
	return nil
}

// testFailure carries a parse or evaluation error out of the recursion.
type testFailure struct{ err error }

type classic struct {
	t    *tester
	argv []string
	pos  int
}

func (p *classic) fail(format string, a ...any) {
	panic(testFailure{&command.StatusError{Code: 2, Err: fmt.Errorf(format, a...)}})
}

func (p *classic) check(v bool, err error) bool {
	if err != nil {
		var se *command.StatusError
		if !errors.As(err, &se) {
			err = &command.StatusError{Code: 2, Err: err}
		}
		panic(testFailure{err})
	}
	return v
}

func (p *classic) arg(i int) string { return p.argv[p.pos+i] }

func (p *classic) run() bool {
	var v bool
	n := len(p.argv)
	switch {
	case n == 0:
		return false
	case n == 1:
		return p.argv[0] != ""
	case n == 2:
		v = p.two()
		p.pos = n
	case n == 3:
		v = p.three()
	case n == 4 && p.argv[0] == "!":
		p.pos++
		v = !p.three()
	case n == 4 && p.argv[0] == "(" && p.argv[3] == ")":
		p.pos++
		v = p.two()
		p.pos = n
	default:
		v = p.expr()
	}
	if p.pos < n {
		if strings.HasPrefix(p.argv[p.pos], "-") {
			p.fail("syntax error: `%s' unexpected", p.argv[p.pos])
		}
		p.fail("too many arguments")
	}
	return v
}

func (p *classic) two() bool {
	if p.arg(0) == "!" {
		return p.arg(1) == ""
	}
	if _, ok := unaryOps[p.arg(0)]; !ok {
		p.fail("%s: unary operator expected", p.arg(0))
	}
	return p.unary()
}

func (p *classic) three() bool {
	var v bool
	switch a, b, c := p.arg(0), p.arg(1), p.arg(2); {
	case binaryOps[b] != 0:
		v = p.binary()
	case b == "-a":
		v = a != "" && c != ""
	case b == "-o":
		v = a != "" || c != ""
	case a == "!":
		p.pos++
		v = !p.two()
	case a == "(" && c == ")":
		v = b != ""
	default:
		p.fail("%s: binary operator expected", b)
	}
	p.pos = len(p.argv)
	return v
}

func (p *classic) expr() bool {
	if p.pos >= len(p.argv) {
		p.fail("argument expected")
	}
	return p.or()
}

func (p *classic) or() bool {
	v := p.and()
	if p.pos < len(p.argv) && p.arg(0) == "-o" {
		p.pos++
		w := p.or()
		return v || w
	}
	return v
}

func (p *classic) and() bool {
	v := p.term()
	if p.pos < len(p.argv) && p.arg(0) == "-a" {
		p.pos++
		w := p.and()
		return v && w
	}
	return v
}

func (p *classic) term() bool {
	if p.pos >= len(p.argv) {
		p.fail("argument expected")
	}
	switch n := len(p.argv); {
	case p.arg(0) == "!":
		neg := false
		for p.pos < n && p.arg(0) == "!" {
			if p.pos++; p.pos >= n {
				p.fail("argument expected")
			}
			neg = !neg
		}
		return p.term() != neg
	case p.arg(0) == "(":
		if p.pos++; p.pos >= n {
			p.fail("argument expected")
		}
		v := p.expr()
		if p.pos >= n {
			p.fail("`)' expected")
		}
		if p.arg(0) != ")" {
			p.fail("`)' expected, found %s", p.arg(0))
		}
		p.pos++
		return v
	case p.pos+3 <= n && binaryOps[p.arg(1)] != 0:
		return p.binary()
	case p.pos+2 <= n && unaryOps[p.arg(0)] != 0:
		return p.unary()
	}
	p.pos++
	return p.argv[p.pos-1] != ""
}

// unary is an operator and its operand (there is one: the callers see
// to it). -t before a non-number is false, and leaves it, as in bash.
func (p *classic) unary() bool {
	op := unaryOps[p.arg(0)]
	p.pos++
	if _, ok := legalNumber(p.arg(0)); op == syntax.TsFdTerm && !ok {
		return false
	}
	p.pos++
	return p.check(p.t.unary(op, p.argv[p.pos-1]))
}

func (p *classic) binary() bool {
	x, op, y := p.arg(0), binaryOps[p.arg(1)], p.arg(2)
	p.pos += 3
	return p.check(p.t.binary(op, x, y))
}

// The operators of test, as the [[ ]] parser names them. = and == are
// string equality here; in [[ ]], pattern matching (EvalTest).
var unaryOps = map[string]syntax.UnTestOperator{
	"-a": syntax.TsExists, "-e": syntax.TsExists, "-f": syntax.TsRegFile,
	"-d": syntax.TsDirect, "-c": syntax.TsCharSp, "-b": syntax.TsBlckSp,
	"-p": syntax.TsNmPipe, "-S": syntax.TsSocket, "-L": syntax.TsSmbLink,
	"-h": syntax.TsSmbLink, "-k": syntax.TsSticky, "-g": syntax.TsGIDSet,
	"-u": syntax.TsUIDSet, "-G": syntax.TsGrpOwn, "-O": syntax.TsUsrOwn,
	"-N": syntax.TsModif, "-r": syntax.TsRead, "-w": syntax.TsWrite,
	"-x": syntax.TsExec, "-s": syntax.TsNoEmpty, "-t": syntax.TsFdTerm,
	"-z": syntax.TsEmpStr, "-n": syntax.TsNempStr, "-o": syntax.TsOptSet,
	"-v": syntax.TsVarSet, "-R": syntax.TsRefVar,
}

var binaryOps = map[string]syntax.BinTestOperator{
	"=": syntax.TsMatchShort, "==": syntax.TsMatch, "!=": syntax.TsNoMatch,
	"<": syntax.TsBefore, ">": syntax.TsAfter,
	"-nt": syntax.TsNewer, "-ot": syntax.TsOlder, "-ef": syntax.TsDevIno,
	"-eq": syntax.TsEql, "-ne": syntax.TsNeq, "-lt": syntax.TsLss,
	"-le": syntax.TsLeq, "-gt": syntax.TsGtr, "-ge": syntax.TsGeq,
}

// The file tests that look at the type, and at the mode's other bits.
var (
	fileTypes = map[syntax.UnTestOperator]uint32{
		syntax.TsRegFile: unix.S_IFREG, syntax.TsDirect: unix.S_IFDIR,
		syntax.TsCharSp: unix.S_IFCHR, syntax.TsBlckSp: unix.S_IFBLK,
		syntax.TsNmPipe: unix.S_IFIFO, syntax.TsSocket: unix.S_IFSOCK,
		syntax.TsSmbLink: unix.S_IFLNK,
	}
	modeBits = map[syntax.UnTestOperator]uint32{
		syntax.TsSticky: unix.S_ISVTX, syntax.TsUIDSet: unix.S_ISUID, syntax.TsGIDSet: unix.S_ISGID,
	}
)

// tester evaluates the primaries for test and [[ ]].
type tester struct {
	env *command.Env
	// arith makes the operands of -eq and the like numbers: nil for
	// test's decimal integers, an arithmetic evaluator for [[ ]].
	arith func(string) (int, error)
}

func (t *tester) unary(op syntax.UnTestOperator, x string) (bool, error) {
	switch op {
	case syntax.TsEmpStr:
		return x == "", nil
	case syntax.TsNempStr:
		return x != "", nil
	case syntax.TsFdTerm:
		return t.isTerminal(x), nil
	case syntax.TsRefVar:
		return false, nil // nsh has no name references (declare -n)
	case syntax.TsOptSet:
		return t.env.Shell.Option(x), nil
	case syntax.TsVarSet:
		if n, ok := legalNumber(x); ok {
			l, err := langOf(t.env)
			if err != nil {
				return false, err
			}
			return n >= 0 && n <= int64(len(l.Params())), nil
		}
		_, ok := t.env.Shell.Var(x)
		return ok, nil
	case syntax.TsRead, syntax.TsWrite, syntax.TsExec:
		mode := map[syntax.UnTestOperator]uint32{syntax.TsRead: unix.R_OK, syntax.TsWrite: unix.W_OK, syntax.TsExec: unix.X_OK}[op]
		var ok bool
		err := t.env.Ctx.FilesIn(t.env.Snap, func(fs nsctx.FS) error {
			ok = fs.Access(x, mode) == nil
			return nil
		})
		return ok, err
	}
	st, ok, err := t.stat(x, op != syntax.TsSmbLink)
	if !ok || err != nil {
		return false, err
	}
	if typ, ok := fileTypes[op]; ok {
		return st.Mode&unix.S_IFMT == typ, nil
	}
	if bit, ok := modeBits[op]; ok {
		return st.Mode&bit != 0, nil
	}
	switch op {
	case syntax.TsExists:
		return true, nil
	case syntax.TsUsrOwn:
		return int(st.Uid) == unix.Geteuid(), nil
	case syntax.TsGrpOwn:
		return int(st.Gid) == unix.Getegid(), nil
	case syntax.TsModif:
		return st.Mtim.Nano() > st.Atim.Nano(), nil
	case syntax.TsNoEmpty:
		return st.Size > 0, nil
	}
	return false, fmt.Errorf("%v: not a unary operator of test", op)
}

func (t *tester) binary(op syntax.BinTestOperator, x, y string) (bool, error) {
	switch op {
	case syntax.TsMatchShort, syntax.TsMatch:
		return x == y, nil
	case syntax.TsNoMatch:
		return x != y, nil
	case syntax.TsBefore:
		return x < y, nil
	case syntax.TsAfter:
		return x > y, nil
	case syntax.TsNewer, syntax.TsOlder, syntax.TsDevIno:
		sx, okx, err := t.stat(x, true)
		if err != nil {
			return false, err
		}
		sy, oky, err := t.stat(y, true)
		switch op {
		case syntax.TsNewer:
			return okx && (!oky || sx.Mtim.Nano() > sy.Mtim.Nano()), err
		case syntax.TsOlder:
			return oky && (!okx || sx.Mtim.Nano() < sy.Mtim.Nano()), err
		}
		return okx && oky && sx.Dev == sy.Dev && sx.Ino == sy.Ino, err
	}
	a, err := t.number(x)
	if err != nil {
		return false, err
	}
	b, err := t.number(y)
	if err != nil {
		return false, err
	}
	switch op {
	case syntax.TsEql:
		return a == b, nil
	case syntax.TsNeq:
		return a != b, nil
	case syntax.TsLss:
		return a < b, nil
	case syntax.TsLeq:
		return a <= b, nil
	case syntax.TsGtr:
		return a > b, nil
	case syntax.TsGeq:
		return a >= b, nil
	}
	return false, fmt.Errorf("%v: not a binary operator of test", op)
}

func (t *tester) number(s string) (int64, error) {
	if t.arith != nil {
		n, err := t.arith(s)
		return int64(n), err
	}
	n, ok := legalNumber(s)
	if !ok {
		return 0, &command.StatusError{Code: 2, Err: fmt.Errorf("%s: integer expression expected", s)}
	}
	return n, nil
}

// stat is the file as the context sees it (in a background job, the
// context the job started in: Snap); ok is false if it cannot be
// reached, err a failure of the context itself.
func (t *tester) stat(path string, follow bool) (st unix.Stat_t, ok bool, err error) {
	err = t.env.Ctx.FilesIn(t.env.Snap, func(fs nsctx.FS) error {
		var serr error
		st, serr = fs.Stat(path, follow)
		ok = serr == nil
		return nil
	})
	return st, ok, err
}

// isTerminal is -t FD: the command's own descriptors, never nsh's.
func (t *tester) isTerminal(s string) bool {
	n, ok := legalNumber(s)
	if !ok || n < 0 || n > 9 {
		return false
	}
	f := cmdFD(t.env, int(n))
	return command.IsTerminal(f)
}

// cmdFD is the command's descriptor n (0-9) if it is a file.
func cmdFD(env *command.Env, n int) *os.File {
	var x any
	switch {
	case n == 0:
		x = env.Stdin
	case n == 1:
		x = command.RawWriter(env.Stdout)
	case n == 2:
		x = command.RawWriter(env.Stderr)
	case n-3 < len(env.Files):
		x = env.Files[n-3]
	}
	f, _ := x.(*os.File)
	return f
}

// legalNumber is bash's: a decimal integer, blanks around allowed.
func legalNumber(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.Trim(s, " \t\n\v\f\r"), 10, 64)
	return n, err == nil
}
