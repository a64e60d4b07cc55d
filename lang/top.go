package lang

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
)

// The language: POSIX sh as mvdan.cc/sh/v3/syntax parses it in its bash
// mode, which also takes the bash forms namespace scripts reach for
// ([[ ]], $'...', arrays, local, ${x/a/b}); what nsh cannot run is refused
// with a message when it runs.
var variant = syntax.Variant(syntax.LangBash)

func newParser() *syntax.Parser { return syntax.NewParser(variant) }

// parse parses a whole text (eval, a trap, an alias).
func (sh *Shell) parse(r io.Reader, name string) (*syntax.File, error) {
	if sh.parser == nil {
		sh.parser = newParser()
	}
	text, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	for tries := 0; ; tries++ {
		f, err := sh.parser.Parse(newShallow(bytes.NewReader(text), name), name)
		if at, ok := badName(err); ok && tries < maxRequotes {
			text = requote(text, int(at.Offset()))
			continue
		}
		if err != nil {
			return nil, parseError(err)
		}
		return f, nil
	}
}

// badName is where the parse error of export 1A=2 is. In its bash mode
// mvdan.cc/sh parses the NAME=VALUE words of export, readonly, local and
// declare itself, and refuses a bad name as a syntax error: the whole
// text (an if, a function) before anything of it runs. dash runs what
// comes before and fails at the command: a special builtin's error,
// status 2, that ends a script. nsh does what dash does: the statement is
// read again with ” before the word, which makes it a plain word for
// the parser, and the builtin refuses the name when it runs.
func badName(err error) (syntax.Pos, bool) {
	if err == nil {
		return syntax.Pos{}, false // before pe, which lives on the heap
	}
	var pe syntax.ParseError
	if errors.As(err, &pe) && pe.Text == "invalid var name" {
		return pe.Pos, true
	}
	return syntax.Pos{}, false
}

// maxRequotes bounds the statements read again: each reads from where
// the last good one ended.
const maxRequotes = 100

// requote is text with ” at offset at.
func requote(text []byte, at int) []byte {
	if at > len(text) {
		at = len(text)
	}
	return slices.Concat(text[:at], []byte("''"), text[at:])
}

// padTo is blank text that ends at pos: a parser reading it and then the
// rest gives the rest the positions (offset, line, column) it had.
func padTo(pos syntax.Pos) []byte {
	off, line, col := int(pos.Offset()), int(pos.Line()), int(pos.Col())
	if line < 1 || col < 1 || off < line-1+col-1 {
		return nil
	}
	pad := bytes.Repeat([]byte{' '}, off)
	for i := range line - 1 {
		pad[off-(col-1)-1-i] = '\n'
	}
	return pad
}

// recorder keeps what the parser read from r since offset base, the end
// of the last statement parsed: a statement read again starts there.
type recorder struct {
	r    io.Reader
	base uint
	text []byte
}

func (rc *recorder) Read(p []byte) (int, error) {
	n, err := rc.r.Read(p)
	rc.text = append(rc.text, p[:n]...)
	return n, err
}

// parsedTo drops what is before offset off.
func (rc *recorder) parsedTo(off uint) {
	if off > rc.base {
		k := min(int(off-rc.base), len(rc.text))
		rc.text = rc.text[k:]
		rc.base += uint(k)
	}
}

// parseError words a syntax error as FILE:LINE:COL: message.
func parseError(err error) error { return parseErrorIn(err, "") }

// parseErrorIn is parseError for a text named name.
func parseErrorIn(err error, name string) error {
	var (
		pe   syntax.ParseError
		le   syntax.LangError
		file string
		pos  syntax.Pos
		text string
	)
	switch {
	case errors.As(err, &pe):
		file, pos, text = pe.Filename, pe.Pos, "syntax error: "+pe.Text
	case errors.As(err, &le):
		file, pos, text = le.Filename, le.Pos, strings.TrimPrefix(le.Error(), fmt.Sprintf("%s:%s: ", le.Filename, le.Pos))
	default:
		return err
	}
	if file == "" {
		file = name
	}
	if file == "" {
		// At the prompt: the line is the one just typed.
		return &syntaxError{msg: text}
	}
	return &syntaxError{msg: fmt.Sprintf("%s:%d:%d: %s", file, pos.Line(), pos.Col(), text)}
}

// RunScript runs the script r, named name in messages ("-c", "<stdin>",
// its path), statement by statement as they are parsed, and returns the
// status nsh exits with. A syntax error stops it there (status 2).
func (sh *Shell) RunScript(r io.Reader, name string) int {
	sh.file = name
	err := sh.runReader(r, name)
	return sh.finish(err)
}

// RunOnThread is RunScript for a shell running on its context's thread
// (inside Context.Run), as nsh runs scripts: see place.go.
func (sh *Shell) RunOnThread(r io.Reader, name string) int {
	sh.onThread = true
	defer func() { sh.onThread = false }()
	return sh.RunScript(r, name)
}

// SourceRC runs an rc file at the start of an interactive shell: its
// failures are said, and the shell starts anyway.
func (sh *Shell) SourceRC(file string) {
	env := sh.envFor(sh.fds)
	err := sh.Source(env, file, nil)
	if msg := unsaid(err); msg != "" && !programStatus(err) {
		fmt.Fprintf(sh.stderr(), "nsh: %s\n", msg)
	}
	sh.last = command.Status(err)
}

// runReader runs what r holds in this shell, placing each statement as
// place.go says. A goroutine parses (a few statements ahead, never more),
// so that the statements can run on whichever goroutine they are placed
// on: a parser's iterator must stay on the thread that started it.
//
// The statements go over in batches: a hand-over per statement woke the
// parser's thread for each (a futex wake and a sleep, about a quarter of
// a setns/home pair's cost). A batch goes as soon as the runner is idle,
// and always before the parser reads more input, so nothing parsed waits
// behind input that has not come (a pipe, a terminal).
func (sh *Shell) runReader(r io.Reader, name string) error {
	type parsed struct {
		s   *syntax.Stmt
		err error
	}
	const maxBatch = 64
	ch := make(chan []parsed, 1)
	done := make(chan struct{})
	defer close(done)
	in := &noNUL{r: r}
	var batch []parsed
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		select {
		case ch <- batch:
			batch = nil
			return true
		case <-done:
			return false
		}
	}
	src := &flushing{r: in, flush: flush}
	go func() {
		defer close(ch)
		ended := false
		rc := &recorder{r: src}
		var last syntax.Pos // where the last statement parsed ends
		for tries := 0; ; tries++ {
			again := false
			each(newParser().StmtsSeq(newShallow(rc, name)), func(s *syntax.Stmt, err error) bool {
				if in.nul && (s == nil || s.End().Offset() > in.nl) {
					return false // what the NUL cut short is not run
				}
				if at, ok := badName(err); ok && tries < maxRequotes && at.Offset() >= rc.base {
					// Read the statement again (see badName), at the
					// positions it had, then the rest of the input.
					text := slices.Concat(padTo(last), requote(rc.text, int(at.Offset()-rc.base)))
					rc = &recorder{r: io.MultiReader(bytes.NewReader(text), src)}
					again = true
					return false
				}
				if s != nil {
					last = s.End()
					rc.parsedTo(last.Offset())
				}
				batch = append(batch, parsed{s, err})
				ended = err != nil
				if ended || len(batch) >= maxBatch {
					if !flush() {
						ended = true
						return false
					}
					return !ended
				}
				// No send of a part batch here, though the runner may
				// be waiting: each would wake the context thread, one
				// wake-up a statement when they run faster than they
				// parse (nsh -n; the thread's wake-up costs 10-20 us).
				// The batch goes when full, or before the next read,
				// which may wait for input.
				return true
			})
			if !again {
				break
			}
		}
		if !flush() {
			return
		}
		if in.nul && !ended {
			select {
			case ch <- []parsed{{err: &syntaxError{fmt.Sprintf("%s:%d: %v", name, in.lines+1, ErrBinary)}}}:
			case <-done:
			}
		}
	}()
	var queue []parsed
	return sh.runPulled(func() (*syntax.Stmt, bool, error) {
		if len(queue) == 0 {
			b, ok := <-ch
			if !ok {
				return nil, false, nil
			}
			queue = b
		}
		p, ok := queue[0], true
		queue = queue[1:]
		if p.s != nil {
			// set -v: the lines of the command, once, before it runs
			// (the parser reads ahead, so not as it reads them).
			if text := in.upTo(p.s.End().Offset(), sh.opts.verbose); sh.opts.verbose {
				sh.stderr().Write(text)
			}
		}
		if p.err != nil {
			if se := (*syntaxError)(nil); !errors.As(p.err, &se) {
				p.err = parseErrorIn(p.err, name)
			}
		}
		return p.s, ok, p.err
	})
}

// flushing hands the parsed statements over before each read, which may
// wait for input that has not come.
type flushing struct {
	r     io.Reader
	flush func() bool
}

func (f *flushing) Read(p []byte) (int, error) {
	if !f.flush() {
		return 0, io.EOF // the runner has stopped
	}
	return f.r.Read(p)
}

// noNUL refuses text with a NUL byte: binary data is no script (bash
// stops at it too), and running the rest of it would be a guess.
type noNUL struct {
	r     io.Reader
	lines int  // newlines passed on
	off   uint // bytes passed on
	nl    uint // where the last newline passed on is
	nul   bool // a NUL came: the input ends there

	mu   sync.Mutex
	text []byte // what was read and not yet given to upTo, from offset done
	done uint
}

// upTo takes the text read up to the end of the line holding offset end
// (or all read so far): set -v prints it.
func (n *noNUL) upTo(end uint, keep bool) []byte {
	n.mu.Lock()
	defer n.mu.Unlock()
	if end < n.done {
		return nil
	}
	i := min(int(end-n.done), len(n.text))
	if j := bytes.IndexByte(n.text[i:], '\n'); j >= 0 {
		i += j + 1
	} else {
		i = len(n.text)
	}
	var out []byte
	if keep {
		out = bytes.Clone(n.text[:i])
	}
	n.text = n.text[i:]
	n.done += uint(i)
	return out
}

// ErrBinary is input with a NUL byte.
var ErrBinary = errors.New("binary data (NUL byte) in input")

func (n *noNUL) Read(p []byte) (int, error) {
	if n.nul {
		return 0, io.EOF
	}
	k, err := n.r.Read(p)
	if i := bytes.IndexByte(p[:k], 0); i >= 0 {
		k, err, n.nul = i, io.EOF, true
	}
	n.lines += bytes.Count(p[:k], []byte{'\n'})
	if i := bytes.LastIndexByte(p[:k], '\n'); i >= 0 {
		n.nl = n.off + uint(i)
	}
	n.off += uint(k)
	n.mu.Lock()
	n.text = append(n.text, p[:k]...)
	n.mu.Unlock()
	return k, err
}

// maxParseFrames bounds the parser's recursion. mvdan.cc/sh's parser
// recurses once per level of nesting (about 6 frames an if, 8 a $(...),
// 30 a "(" or "$(("), and Go ends the whole process when a goroutine's
// stack passes 1 GB: 100,000 nested ifs took 270 MB, a million would
// crash. 16,000 frames are a 4 MB stack: 2,500 nested ifs or 500 "(",
// far more than scripts nest. Counting them costs 0.3 us a frame, paid
// on every 4th 1 KB the parser reads (4 KB of "(" add 120,000 frames, a
// 30 MB stack, past the bound at worst): it stays small for scripts that
// do not nest deep, and 0.1 s on input that goes to the bound.
const maxParseFrames = 16000

// shallow is the parser's input, which ends in an error when the parser
// reads it (every 4 KB) from deeper than maxParseFrames below where it
// started: so the parse stops a chunk past that depth, not at the end.
type shallow struct {
	r     io.Reader
	name  string
	limit int // frames, counted from the caller's
	lines int
	reads int // the frames are counted at every 4th: unwinding is not free
}

func newShallow(r io.Reader, name string) *shallow {
	var pc [1]uintptr
	base := 64
	for runtime.Callers(base, pc[:]) > 0 {
		base *= 2 // eval in deep functions: their frames are not the parser's
	}
	return &shallow{r: r, name: name, limit: base + maxParseFrames}
}

func (s *shallow) Read(p []byte) (int, error) {
	var pc [1]uintptr
	s.reads++
	if s.reads%4 == 0 && runtime.Callers(s.limit, pc[:]) > 0 {
		return 0, &syntaxError{fmt.Sprintf("%s:%d: syntax error: commands nested too deep to parse", s.name, s.lines+1)}
	}
	k, err := s.r.Read(p)
	s.lines += bytes.Count(p[:k], []byte{'\n'})
	return k, err
}

// finish ends the shell after err: says an interruption or a syntax error,
// runs the EXIT trap, and gives the status.
func (sh *Shell) finish(err error) int {
	status, _ := sh.exitStatus(err)
	var se *syntaxError
	switch {
	case errors.As(err, &se):
		fmt.Fprintln(sh.stderr(), clip(se.msg, msgMax))
		status = 2
	case errors.Is(err, command.Interrupted{}):
		fmt.Fprintf(sh.stderr(), "%s: interrupted\n", sh.where())
		status = 130
	}
	sh.last = status
	if sh.runExitTrap() {
		status = sh.last
	}
	return status
}

// Source implements command.Shell: file runs in this shell, its
// descriptors those of the source command, args (if any) its $1..$N.
func (sh *Shell) Source(env *command.Env, file string, args []string) error {
	if sh.sources >= maxSources {
		return &command.StatusError{Code: 1, Err: fmt.Errorf("%s: source nested more than %d deep", file, maxSources)}
	}
	var f *os.File
	err := sh.cx.files(func(fs nsctx.FS) (err error) { f, err = fs.Open(file, os.O_RDONLY, 0); return })
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &command.StatusError{Code: 1, Err: fmt.Errorf("%s: %v", file, err)}
	}
	defer f.Close()
	sh.sources++
	savedParams, savedFile, savedLine, savedBase := sh.params, sh.file, sh.line, sh.lineBase
	if len(args) > 0 {
		sh.params = args
	}
	sh.file, sh.lineBase = file, 0
	sh.last = 0 // a file with no command returns 0, not the status before
	err = sh.runReader(f, file)
	sh.file, sh.line, sh.lineBase = savedFile, savedLine, savedBase
	if len(args) > 0 {
		sh.params = savedParams
	}
	sh.sources--
	var rr *builtins.ReturnRequest
	if errors.As(err, &rr) {
		sh.last = rr.Code
		err = nil
	}
	var se *syntaxError
	if errors.As(err, &se) {
		return &command.StatusError{Code: 2, Err: se}
	}
	return sh.statusOf(err)
}

// maxSources bounds source inside source.
const maxSources = 32

// LineReader is where an interactive shell's lines come from: a terminal.
type LineReader interface {
	// ReadLine returns one line without its newline; io.EOF ends the
	// input, ErrInterrupted is Ctrl-C at the prompt.
	ReadLine(prompt string) (string, error)
}

// ErrInterrupted is Ctrl-C at the prompt.
var ErrInterrupted = errors.New("interrupted")

// remembering is a reader that keeps a history of whole commands.
type remembering interface{ Remember(text string) }

// feed gives the parser one line at a time from a LineReader, with PS1 or
// PS2 as the parser needs more; it keeps the lines of the command being
// typed, for history.
type feed struct {
	sh    *Shell
	rd    LineReader
	buf   string
	more  bool
	lines []string
	err   error
}

func (f *feed) Read(p []byte) (int, error) {
	if f.buf == "" {
		if f.err != nil {
			return 0, f.err
		}
		prompt := ""
		if f.more {
			if f.sh.ContPrompt != nil {
				prompt = f.sh.ContPrompt()
			}
		} else {
			f.sh.jobs.Report(f.sh.stderr())
			f.sh.interrupted() // a Ctrl-C at the prompt is no news for the next command
			f.sh.pending.Store(false)
			if f.sh.Prompt != nil {
				prompt = f.sh.Prompt()
			}
		}
		line, err := f.rd.ReadLine(prompt)
		if err != nil {
			f.err = err
			return 0, err
		}
		f.lines = append(f.lines, line)
		f.buf = line + "\n"
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}

// RunInteractive reads commands from rd until the end of input or exit,
// and returns the status nsh exits with.
func (sh *Shell) RunInteractive(rd LineReader) int {
	for {
		f := &feed{sh: sh, rd: rd}
		p := newParser()
		err := sh.interact(p, f)
		var er *command.ExitRequest
		switch {
		case errors.As(err, &er):
			if sh.warnJobs() {
				continue
			}
			return sh.finish(err)
		case errors.Is(f.err, io.EOF):
			fmt.Fprintln(sh.stderr())
			if sh.warnJobs() {
				continue
			}
			return sh.finish(nil)
		case errors.Is(f.err, ErrInterrupted):
			sh.last = 130
		case err != nil:
			if _, ok := badName(err); ok {
				// export 1A=2 typed: the lines read again (see badName),
				// if they are the whole command.
				text := strings.Join(f.lines, "\n") + "\n"
				if file, perr := sh.parse(strings.NewReader(text), ""); perr == nil {
					if rm, ok := rd.(remembering); ok {
						rm.Remember(strings.TrimSuffix(text, "\n"))
					}
					if er, exit := sh.runTyped(file.Stmts); exit && !sh.warnJobs() {
						return sh.finish(er)
					}
					continue
				}
			}
			sh.last = 2
			fmt.Fprintf(sh.stderr(), "nsh: %s\n", clip(parseError(err).Error(), msgMax))
		}
	}
}

// interact parses and runs what f gives until it ends; a syntax error or
// exit returns (the loop around starts a fresh parser).
func (sh *Shell) interact(p *syntax.Parser, f *feed) (ret error) {
	each(p.InteractiveSeq(f), func(stmts []*syntax.Stmt, err error) bool {
		if err != nil {
			ret = err
			return false
		}
		if p.Incomplete() {
			f.more = true
			return true
		}
		f.more = false
		if rm, ok := f.rd.(remembering); ok && len(f.lines) > 0 {
			rm.Remember(strings.Join(f.lines, "\n"))
		}
		f.lines = f.lines[:0]
		if er, exit := sh.runTyped(stmts); exit {
			ret = er
			return false
		}
		return true
	})
	return ret
}

// runTyped runs the statements of a command typed at the prompt; exit
// tells that one asked to leave (er).
func (sh *Shell) runTyped(stmts []*syntax.Stmt) (er error, exit bool) {
	for _, s := range stmts {
		err := sh.stmt(s)
		var ex *command.ExitRequest
		if errors.As(err, &ex) {
			return err, true
		}
		if err != nil && !errors.Is(err, command.Interrupted{}) && unsaid(err) != "" && !programStatus(err) {
			sh.errorf("%s", unsaid(err))
		}
		sh.sayStop(err, nil, true)
		if control(err) {
			break // the rest of the line is abandoned
		}
		sh.exitWarned = false
	}
	return nil, false
}

// each calls fn with what seq yields until fn says stop. mvdan.cc/sh's
// StmtsSeq yields its error once more after being told to stop, which a
// range loop turns into a panic ("continued iteration after function for
// loop body returned false"): called directly, late yields are dropped.
func each[T any](seq iter.Seq2[T, error], fn func(T, error) bool) {
	stopped := false
	seq(func(v T, err error) bool {
		if !stopped && !fn(v, err) {
			stopped = true
		}
		return !stopped
	})
}

// warnJobs tells the user about running or stopped jobs the first time
// they try to leave; it reports whether nsh should stay.
func (sh *Shell) warnJobs() bool {
	running, stopped := sh.jobs.Active()
	if running+stopped == 0 || sh.exitWarned {
		return false
	}
	sh.exitWarned = true
	var what []string
	if stopped > 0 {
		what = append(what, fmt.Sprintf("%d stopped", stopped))
	}
	if running > 0 {
		what = append(what, fmt.Sprintf("%d running", running))
	}
	fmt.Fprintf(sh.stderr(), "nsh: there are jobs (%s; 'jobs' lists them). Exit again to leave anyway: stopped jobs get SIGHUP, running programs keep running, plugin calls end.\n", strings.Join(what, ", "))
	return true
}
