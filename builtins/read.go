package builtins

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nsh-dev/nsh/command"
	"golang.org/x/sys/unix"
	"mvdan.cc/sh/v3/syntax"
)

var readCmd = &Builtin{
	Name:    "read",
	Summary: "read a line into variables",
	Usage:   "read [-rs] [-d DELIM] [-n N | -N N] [-p PROMPT] [-t SECONDS] [-u FD] [NAME...]",
	Help: `Reads a line from the standard input and splits it into fields with IFS,
as POSIX's read does: IFS white space (blank, tab, newline) around fields
is cut, each other IFS character ends a field, and the last NAME gets the
rest of the line with its separators. Names without a field are set to
"". With no NAME, REPLY gets the whole line, unsplit. A backslash quotes
the next character and a backslash-newline joins the next line, unless
-r. Fails (status 1) at the end of the input, with what was read of an
unfinished line still assigned.

  -r       backslashes are plain characters
  -d DELIM the line ends at the first character of DELIM, not a newline
           ('' is the NUL byte)
  -n N     return after N bytes, or at the end of the line
  -N N     return after exactly N bytes (or at the end of the input),
           unsplit, delimiters included
  -p TEXT  print TEXT to the standard error first, if the input is a
           terminal
  -s       do not echo what is typed on a terminal
  -t SECS  give up after SECS seconds (decimals allowed): status 142, what
           was read assigned; -t 0 only says whether input is waiting
  -u FD    read descriptor FD instead of the standard input

Nothing past the line is consumed (a pipe is read a byte at a time, a
file ahead and then rewound), so the commands of a while read loop can
read the same input.

  while read -r ns addr; do echo "$ns has $addr"; done < list
  IFS=: read -r user _ uid _ < /etc/passwd
  read -r -p 'Delete it? ' answer`,
	Options:  []string{"-r", "-s", "-d", "-n", "-N", "-p", "-t", "-u"},
	Operands: Variables,
	Pure:     true,
	Run:      runRead,
}

type readOpts struct {
	raw, silent bool
	delim       byte
	n           int // -n or -N: at most (exactly) n bytes; -1 for none
	exact       bool
	prompt      string
	timed       bool
	timeout     time.Duration
	fd          int
}

var timeoutSyntax = lazyRegexp(`^([0-9]+\.?[0-9]*|\.[0-9]+)$`)

func parseRead(args []string) (o readOpts, names []string, err error) {
	o = readOpts{delim: '\n', n: -1}
	i := 1
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		for k := 1; k < len(a); k++ {
			c := a[k]
			if strings.IndexByte("dnNptu", c) < 0 {
				switch c {
				case 'r':
					o.raw = true
				case 's':
					o.silent = true
				default:
					return o, nil, usageError("-%c: invalid option", c)
				}
				continue
			}
			v := a[k+1:]
			if v == "" {
				if i+1 == len(args) {
					return o, nil, usageError("-%c: option requires an argument", c)
				}
				i++
				v = args[i]
			}
			k = len(a)
			switch c {
			case 'd':
				o.delim = 0
				if v != "" {
					o.delim = v[0]
				}
			case 'n', 'N':
				if o.n, err = strconv.Atoi(v); err != nil || o.n < 0 {
					return o, nil, &command.StatusError{Code: 1, Err: fmt.Errorf("%s: invalid number", v)}
				}
				o.exact = c == 'N'
			case 'p':
				o.prompt = v
			case 't':
				f, _ := strconv.ParseFloat(v, 64)
				if !timeoutSyntax().MatchString(v) || f > math.MaxInt64/1e9 {
					return o, nil, &command.StatusError{Code: 1, Err: fmt.Errorf("%s: invalid timeout specification", v)}
				}
				o.timed, o.timeout = true, time.Duration(f*1e9)
			case 'u':
				if o.fd, err = strconv.Atoi(v); err != nil || o.fd < 0 {
					return o, nil, &command.StatusError{Code: 1, Err: fmt.Errorf("%s: invalid file descriptor specification", v)}
				}
			}
		}
	}
	for _, n := range args[i:] {
		if !syntax.ValidName(n) {
			return o, nil, &command.StatusError{Code: 1, Err: fmt.Errorf("`%s': not a valid identifier", n)}
		}
	}
	return o, args[i:], nil
}

// errReadTimeout is -t running out.
var errReadTimeout = errors.New("timed out")

func runRead(env *command.Env, args []string) error {
	o, names, err := parseRead(args)
	if err != nil {
		return err
	}
	l, err := langOf(env)
	if err != nil {
		return err
	}
	in := env.Stdin
	if o.fd != 0 {
		f := cmdFD(env, o.fd)
		if f == nil {
			return &command.StatusError{Code: 1, Err: fmt.Errorf("%d: invalid file descriptor: bad file descriptor", o.fd)}
		}
		in = f
	}
	f, _ := in.(*os.File)
	if o.timed && f == nil {
		return &command.StatusError{Code: 1, Err: errors.New("-t needs a file, a pipe or a terminal as input")}
	}
	if o.timed && o.timeout == 0 {
		if waitReadable(f, 0) != nil {
			return command.ExitStatus(1)
		}
		return nil
	}
	if command.IsTerminal(f) {
		if o.prompt != "" {
			fmt.Fprint(env.Stderr, o.prompt)
		}
		if o.silent || o.n >= 0 || o.delim != '\n' {
			if restore, err := termMode(f, o); err == nil {
				defer restore()
			}
		}
	}
	src := newByteSource(in, f)
	if o.timed {
		src.deadline = time.Now().Add(o.timeout)
	}
	line, end := readLine(src, o)
	src.giveBack()
	if end != nil && end != io.EOF && end != errReadTimeout {
		return &command.StatusError{Code: 1, Err: fmt.Errorf("read error: %v", plainErr(end))}
	}
	vals := []string{text(line)}
	switch {
	case len(names) == 0:
		names = []string{"REPLY"}
	case !o.exact:
		ifs, ok := env.Shell.Var("IFS")
		if !ok {
			ifs = " \t\n"
		}
		vals = splitRead(line, ifs, len(names))
	}
	for i, n := range names {
		v := ""
		if i < len(vals) {
			v = vals[i]
		}
		if err := l.Assign(n, v); err != nil {
			return &command.StatusError{Code: 1, Err: err}
		}
	}
	switch end {
	case io.EOF:
		return command.ExitStatus(1)
	case errReadTimeout:
		return command.ExitStatus(128 + int(unix.SIGALRM))
	}
	return nil
}

// rchar is a byte of the line; esc is one a backslash quoted.
type rchar struct {
	b   byte
	esc bool
}

func text(cs []rchar) string {
	b := make([]byte, len(cs))
	for i, c := range cs {
		b[i] = c.b
	}
	return string(b)
}

// readLine reads up to the delimiter (not kept) or -n's count. end is
// nil, io.EOF, errReadTimeout or a read error.
func readLine(src *byteSource, o readOpts) (line []rchar, end error) {
	for o.n < 0 || len(line) < o.n {
		c, err := src.next()
		if err != nil {
			return line, err
		}
		switch {
		case c == 0 && o.delim != 0:
			// bash drops NUL bytes, which no variable can hold.
		case c == '\\' && !o.raw:
			c, err = src.next()
			if err != nil {
				return line, err // a backslash at the end is dropped
			}
			if c != '\n' {
				line = append(line, rchar{c, true})
			}
		case c == o.delim && !o.exact:
			return line, nil
		default:
			line = append(line, rchar{c, false})
		}
	}
	return line, nil
}

// splitRead splits a line into n values by POSIX's rules for read.
func splitRead(line []rchar, ifs string, n int) []string {
	sep := func(c rchar) bool { return !c.esc && strings.IndexByte(ifs, c.b) >= 0 }
	space := func(c rchar) bool { return sep(c) && (c.b == ' ' || c.b == '\t' || c.b == '\n') }
	i := 0
	skipSpace := func() {
		for i < len(line) && space(line[i]) {
			i++
		}
	}
	// field reads up to a separator, then the separator: IFS white space
	// around at most one other IFS character.
	field := func() string {
		start := i
		for i < len(line) && !sep(line[i]) {
			i++
		}
		s := text(line[start:i])
		skipSpace()
		if i < len(line) && sep(line[i]) && !space(line[i]) {
			i++
			skipSpace()
		}
		return s
	}
	skipSpace()
	vals := make([]string, n)
	for k := range vals[:n-1] {
		vals[k] = field()
	}
	// The last name: the rest, with trailing IFS white space cut; or, if
	// only one field is left, that field (bash: 'a:' gives a).
	start := i
	vals[n-1] = field()
	if i < len(line) {
		end := len(line)
		for end > start && space(line[end-1]) {
			end--
		}
		vals[n-1] = text(line[start:end])
	}
	return vals
}

// byteSource reads the input a byte at a time, so that nothing after
// the line is consumed, except from a file (or another io.Seeker), which
// it reads ahead and then rewinds to just past the line.
type byteSource struct {
	r        io.Reader
	seeker   io.Seeker
	file     *os.File // for -t
	buf      []byte
	pos      int
	deadline time.Time
}

func newByteSource(r io.Reader, f *os.File) *byteSource {
	s := &byteSource{r: r, file: f}
	if f != nil {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			s.seeker = f
		}
	} else if sk, ok := r.(io.Seeker); ok {
		s.seeker = sk
	}
	return s
}

func (s *byteSource) next() (byte, error) {
	if s.pos < len(s.buf) {
		s.pos++
		return s.buf[s.pos-1], nil
	}
	size := 1
	if s.seeker != nil {
		size = 4096
	}
	if cap(s.buf) < size {
		s.buf = make([]byte, size)
	}
	for {
		if !s.deadline.IsZero() {
			if err := waitReadable(s.file, time.Until(s.deadline)); err != nil {
				return 0, err
			}
		}
		n, err := s.r.Read(s.buf[:size])
		if n > 0 {
			s.buf, s.pos = s.buf[:n], 1
			return s.buf[0], nil
		}
		if err != nil {
			s.buf, s.pos = s.buf[:0], 0
			return 0, err
		}
	}
}

// giveBack rewinds a file to just after what was used of it.
func (s *byteSource) giveBack() {
	if s.seeker != nil && s.pos < len(s.buf) {
		s.seeker.Seek(int64(s.pos-len(s.buf)), io.SeekCurrent)
	}
	s.buf = s.buf[:0]
}

// waitReadable waits up to d for f to have input (or its end).
func waitReadable(f *os.File, d time.Duration) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(d)
	var perr error
	cerr := rc.Control(func(fd uintptr) {
		for {
			ms := int(time.Until(deadline).Milliseconds())
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, err := unix.Poll(fds, max(ms, 0))
			switch {
			case err == unix.EINTR:
				continue
			case err != nil:
				perr = err
			case n == 0:
				perr = errReadTimeout
			}
			return
		}
	})
	if cerr != nil {
		return cerr
	}
	return perr
}

// termMode sets the terminal for -s (no echo) and for -n, -N and -d
// (each byte as it comes, not whole lines), and returns how to undo it.
func termMode(f *os.File, o readOpts) (func(), error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var old *unix.Termios
	cerr := rc.Control(func(fd uintptr) {
		if old, err = unix.IoctlGetTermios(int(fd), unix.TCGETS); err != nil {
			return
		}
		t := *old
		if o.silent {
			t.Lflag &^= unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHONL
		}
		if o.n >= 0 || o.delim != '\n' {
			t.Lflag &^= unix.ICANON
			t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
		}
		err = unix.IoctlSetTermios(int(fd), unix.TCSETS, &t)
	})
	if cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, err
	}
	return func() {
		rc.Control(func(fd uintptr) { unix.IoctlSetTermios(int(fd), unix.TCSETS, old) })
	}, nil
}
