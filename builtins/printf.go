package builtins

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nsh-dev/nsh/command"
	"mvdan.cc/sh/v3/syntax"
)

var printfCmd = &Builtin{
	Name:    "printf",
	Summary: "print arguments under the control of a format",
	Usage:   "printf [-v NAME] FORMAT [ARG...]",
	Help: `Prints FORMAT, with its backslash escapes done (\n \t \\ \" \a \b \e
\f \r \v, \NNN octal, \xHH, \uHHHH, \UHHHHHHHH) and each conversion
replaced by the next ARG, as POSIX's printf does. The format is used
again while arguments are left; a missing argument is "" or 0.

Conversions: %s string, %b string with echo -e's escapes (\c ends all
output), %q string quoted for the shell, %c its first byte, %d %i
integer, %o %u %x %X unsigned, %e %E %f %F %g %G %a %A floating point,
%% a %. Flags - + space # 0, a width and a .precision, either may be *
(taken from the arguments). A numeric argument may be decimal, 0x1f hex,
017 octal, or 'c for the value of the character c. An argument that is
not a number is an error (status 1), reported once the rest is printed.
-v NAME assigns the output to the variable NAME instead (bash).

  printf '%s\n' "$@"
  printf '%-10s %5d\n' "$ns" "$pid"
  printf -v pad '%03d' 7`,
	Operands: Files,
	Pure:     true,
	Thread:   true,
	Run: func(env *command.Env, args []string) error {
		args = args[1:]
		name := ""
		if len(args) > 0 && args[0] == "-v" {
			if len(args) < 2 {
				return usageError("-v needs a variable name")
			}
			if !syntax.ValidName(args[1]) {
				return &command.StatusError{Code: 2, Err: fmt.Errorf("`%s': not a valid identifier", args[1])}
			}
			name, args = args[1], args[2:]
		}
		if len(args) > 0 && args[0] == "--" {
			args = args[1:]
		} else if len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' {
			return usageError("%s: invalid option", args[0])
		}
		if len(args) == 0 {
			return usageError("a format is needed")
		}
		p := &printer{args: args[1:]}
		for {
			used := len(p.args)
			if p.format(args[0]) || len(p.args) == 0 || len(p.args) == used {
				break
			}
		}
		if name != "" {
			l, err := langOf(env)
			if err != nil {
				return err
			}
			if err := l.Assign(name, string(p.out)); err != nil {
				return &command.StatusError{Code: 1, Err: err}
			}
		} else {
			env.Stdout.Write(p.out)
		}
		if p.err != nil {
			return &command.StatusError{Code: 1, Err: p.err}
		}
		return nil
	},
}

type printer struct {
	out  []byte
	args []string
	err  error // the first bad argument
}

// format prints the format once; stop is \c in %b or a bad conversion.
func (p *printer) format(f string) (stop bool) {
	for i := 0; i < len(f); {
		k := strings.IndexByte(f[i:], '%')
		if k < 0 {
			p.out, _ = doEscapes(p.out, f[i:], escFormat)
			return false
		}
		p.out, _ = doEscapes(p.out, f[i:i+k], escFormat)
		i += k
		n, stop := p.conversion(f[i:])
		if stop {
			return true
		}
		i += n
	}
	return false
}

// conversion prints the one at the start of f and says how long it is.
func (p *printer) conversion(f string) (int, bool) {
	if strings.HasPrefix(f, "%%") {
		p.out = append(p.out, '%')
		return 2, false
	}
	j := 1
	for j < len(f) && strings.IndexByte("-+ #0'", f[j]) >= 0 {
		j++
	}
	flags := strings.ReplaceAll(f[1:j], "'", "")
	width, prec := -1, -1
	number := func() int {
		if j < len(f) && f[j] == '*' {
			j++
			return int(p.intArg())
		}
		k := j
		for j < len(f) && f[j] >= '0' && f[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(f[k:j])
		return n
	}
	if j < len(f) && (f[j] == '*' || f[j] >= '1' && f[j] <= '9') {
		if width = number(); width < 0 {
			flags += "-"
			width = -width
		}
	}
	if j < len(f) && f[j] == '.' {
		j++
		if prec = number(); prec < 0 {
			prec = -1
		}
	}
	for j < len(f) && strings.IndexByte("hlLjzt", f[j]) >= 0 {
		j++
	}
	if j == len(f) {
		p.fatal(fmt.Errorf("`%s': missing format character", f))
		return j, true
	}
	conv := f[j]
	j++
	spec := func(verb byte, flags string, prec int) string {
		s := "%" + flags
		if width >= 0 {
			s += strconv.Itoa(width)
		}
		if prec >= 0 {
			s += "." + strconv.Itoa(prec)
		}
		return s + string(verb)
	}
	switch conv {
	case 's', 'b', 'q':
		s := p.strArg()
		if conv == 'b' {
			b, stop := doEscapes(nil, s, escB)
			if s = string(b); stop {
				p.pad(s, prec, width, flags)
				return j, true
			}
		} else if conv == 'q' {
			s = printfQuote(s)
		}
		p.pad(s, prec, width, flags)
	case 'c':
		s := p.strArg()
		if s == "" {
			s = "\x00"
		}
		p.pad(s[:1], -1, width, flags)
	case 'd', 'i':
		p.out = fmt.Appendf(p.out, spec('d', flags, prec), p.intArg())
	case 'o', 'u', 'x', 'X':
		u := p.uintArg()
		flags = strings.NewReplacer("+", "", " ", "").Replace(flags)
		if u == 0 || conv == 'u' {
			flags = strings.ReplaceAll(flags, "#", "") // C: %#x of 0 is 0
		}
		if conv == 'u' {
			conv = 'd'
		}
		p.out = fmt.Appendf(p.out, spec(conv, flags, prec), u)
	case 'e', 'E', 'f', 'F', 'g', 'G', 'a', 'A':
		x := p.floatArg()
		upper := conv == 'E' || conv == 'F' || conv == 'G' || conv == 'A'
		switch {
		case math.IsInf(x, 0) || math.IsNaN(x):
			s := "inf"
			if math.IsNaN(x) {
				s = "nan"
			}
			if upper {
				s = strings.ToUpper(s)
			}
			p.pad(floatSign(x, flags)+s, -1, width, strings.ReplaceAll(flags, "0", ""))
		case conv == 'a' || conv == 'A':
			p.hexFloat(x, upper, flags, width, prec)
		default:
			if prec < 0 {
				prec = 6
			}
			p.out = fmt.Appendf(p.out, spec(conv, flags, prec), x)
		}
	default:
		p.fatal(fmt.Errorf("`%c': invalid format character", conv))
		return j, true
	}
	return j, false
}

// pad prints s cut to prec bytes (if prec >= 0) in width columns.
func (p *printer) pad(s string, prec, width int, flags string) {
	if prec >= 0 && prec < len(s) {
		s = s[:prec]
	}
	fill := strings.Repeat(" ", max(0, width-len(s)))
	if strings.Contains(flags, "-") {
		p.out = append(append(p.out, s...), fill...)
	} else {
		p.out = append(append(p.out, fill...), s...)
	}
}

func floatSign(x float64, flags string) string {
	switch {
	case math.Signbit(x):
		return "-"
	case strings.Contains(flags, "+"):
		return "+"
	case strings.Contains(flags, " "):
		return " "
	}
	return ""
}

// hexFloat is %a as C prints a double: 0x1.8p+1 (bash prints a long
// double, 0xcp-2: the same value written otherwise).
func (p *printer) hexFloat(x float64, upper bool, flags string, width, prec int) {
	body := strconv.FormatFloat(math.Abs(x), 'x', prec, 64)[2:] // 1.8p+01
	k := strings.IndexByte(body, 'p')
	exp, _ := strconv.Atoi(body[k+1:])
	body = fmt.Sprintf("%sp%+d", body[:k], exp)
	if strings.Contains(flags, "#") && !strings.Contains(body, ".") {
		body = strings.Replace(body, "p", ".p", 1)
	}
	head := floatSign(x, flags) + "0x"
	if upper {
		head, body = strings.ToUpper(head), strings.ToUpper(body)
	}
	n := max(0, width-len(head)-len(body))
	switch {
	case strings.Contains(flags, "-"):
		p.out = append(append(append(p.out, head...), body...), strings.Repeat(" ", n)...)
	case strings.Contains(flags, "0"):
		p.out = append(append(append(p.out, head...), strings.Repeat("0", n)...), body...)
	default:
		p.out = append(append(append(p.out, strings.Repeat(" ", n)...), head...), body...)
	}
}

func (p *printer) fatal(err error) {
	if p.err == nil {
		p.err = err
	}
}

func (p *printer) strArg() string {
	if len(p.args) == 0 {
		return ""
	}
	s := p.args[0]
	p.args = p.args[1:]
	return s
}

// The numeric arguments: what strtoimax, strtoumax and strtod take, or
// 'c. A bad one is reported; its value is what could be read of it.
func (p *printer) intArg() int64 {
	s := p.strArg()
	n, err := parseCNumber(s, true)
	p.bad(s, err)
	return int64(n)
}

func (p *printer) uintArg() uint64 {
	s := p.strArg()
	n, err := parseCNumber(s, false)
	p.bad(s, err)
	return n
}

func (p *printer) floatArg() float64 {
	s := p.strArg()
	x, err := parseCFloat(s)
	p.bad(s, err)
	return x
}

func (p *printer) bad(s string, err error) {
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("%s: %w", s, err)
	}
}

var (
	errInvalidNumber = errors.New("invalid number")
	//lint:ignore ST1005 strerror(ERANGE), as the printf of bash and coreutils say it
	errRange = errors.New("Numerical result out of range")
)

// charValue is the value of 'c or "c; ok is false for other text.
func charValue(s string) (rune, bool) {
	if s == "" || s[0] != '\'' && s[0] != '"' {
		return 0, false
	}
	if len(s) == 1 {
		return 0, true
	}
	r, n := utf8.DecodeRuneInString(s[1:])
	if r == utf8.RuneError && n == 1 {
		r = rune(s[1])
	}
	return r, true
}

// parseCNumber reads s as strtoimax (signed) or strtoumax would with base
// 0: blanks, a sign, then hex (0x), octal (0) or decimal digits. It
// returns the bits of the value (an int64's, if signed).
func parseCNumber(s string, signed bool) (uint64, error) {
	if r, ok := charValue(s); ok {
		return uint64(r), nil
	}
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg = t[0] == '-'
		t = t[1:]
	}
	base := uint64(10)
	switch {
	case len(t) > 2 && (t[:2] == "0x" || t[:2] == "0X") && escDigits(t, 2, 1, 16) == 3:
		base, t = 16, t[2:]
	case strings.HasPrefix(t, "0"):
		base = 8
	}
	var u uint64
	var err error
	i := 0
	for ; i < len(t); i++ {
		d := uint64(digitValue(t[i]))
		if d >= base {
			break
		}
		if u > (math.MaxUint64-d)/base {
			err, u = errRange, math.MaxUint64
		} else if err == nil {
			u = u*base + d
		}
	}
	if i < len(t) || i == 0 && s != "" {
		err = errInvalidNumber
	}
	if !signed {
		if neg && err != errRange {
			u = -u
		}
		return u, err
	}
	switch {
	case !neg && u > math.MaxInt64:
		return math.MaxInt64, errRange
	case neg && u > 1<<63:
		return 1 << 63, errRange
	case neg:
		return uint64(-int64(u)), err
	}
	return u, err
}

// parseCFloat reads s as strtod would: what of it is a number.
func parseCFloat(s string) (float64, error) {
	if r, ok := charValue(s); ok {
		return float64(r), nil
	}
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	i := 0
	if i < len(t) && (t[i] == '-' || t[i] == '+') {
		i++
	}
	num := t[:i]
	rest := t[i:]
	lower := strings.ToLower(rest)
	switch {
	case strings.HasPrefix(lower, "infinity"):
		num, rest = num+"inf", rest[8:]
	case strings.HasPrefix(lower, "inf"), strings.HasPrefix(lower, "nan"):
		num, rest = num+lower[:3], rest[3:]
	default:
		hex := strings.HasPrefix(lower, "0x") && (escDigits(rest, 2, 1, 16) == 3 || len(rest) > 3 && rest[2] == '.' && escDigits(rest, 3, 1, 16) == 4)
		base, expo := 10, "eE"
		if hex {
			num, rest, base, expo = num+rest[:2], rest[2:], 16, "pP"
		}
		j := escDigits(rest, 0, len(rest), base)
		if j < len(rest) && rest[j] == '.' {
			j = escDigits(rest, j+1, len(rest), base)
		}
		mant := rest[:j]
		if mant == "" || mant == "." {
			if s == "" {
				return 0, nil
			}
			return 0, errInvalidNumber
		}
		if j < len(rest) && strings.IndexByte(expo, rest[j]) >= 0 {
			k := j + 1
			if k < len(rest) && (rest[k] == '-' || rest[k] == '+') {
				k++
			}
			if e := escDigits(rest, k, len(rest), 10); e > k {
				j = e
			}
		}
		num, rest = num+rest[:j], rest[j:]
		if hex && !strings.ContainsAny(num, "pP") {
			num += "p0"
		}
	}
	x, err := strconv.ParseFloat(num, 64)
	switch {
	case err != nil && errors.Is(err, strconv.ErrRange):
		return x, errRange
	case err != nil || rest != "":
		return x, errInvalidNumber
	}
	return x, nil
}

// printfQuote is %q as bash does it: a pair of quotes for nothing, $'...' for text
// with control characters or bytes that are not UTF-8, else backslashes
// before what the shell would read specially.
func printfQuote(s string) string {
	if s == "" {
		return "''"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f {
			return printfANSIC(s)
		}
	}
	if !utf8.ValidString(s) {
		return printfANSIC(s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(" !\"$&'()*,;<>?[\\]^`{|}", c) >= 0 || c == '#' && i == 0 ||
			c == '~' && (i == 0 || s[i-1] == ':' || s[i-1] == '=') {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func printfANSIC(s string) string {
	b := []byte("$'")
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if k := strings.IndexByte("\a\b\x1b\f\n\r\t\v\\'", s[i]); k >= 0 {
			b = append(b, '\\', "abEfnrtv\\'"[k])
		} else if r == utf8.RuneError && n == 1 || r < ' ' || r == 0x7f {
			b = fmt.Appendf(b, "\\%03o", s[i])
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(append(b, '\''))
}
