package repl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The language is a small subset of sh: words with quotes, escapes,
// $VAR ${VAR} $? $# $@ $! $1.. ~ and $(...) expansion and * ? [...]
// patterns; pipelines joined by |; and-or lists joined by && and ||;
// lists separated by ; & and newlines; redirections < > >> N> N>> N>&M;
// NAME=VALUE before a command; for loops; # comments; backslash-newline
// continuation. google/shlex only splits words and knows neither
// operators nor expansion, so nsh has its own lexer: a word has to
// remember which parts were quoted to expand them right.

// List is a parsed chunk of input: and-or lists in order.
type List []*AndOr

// AndOr is pipelines joined by && and ||, run in the foreground or, with a
// trailing &, in the background.
type AndOr struct {
	Pipes      []*Pipeline
	Ops        []string // Ops[i] joins Pipes[i] and Pipes[i+1]: "&&" or "||"
	Background bool
	Line       int        // line of its first word, counted from 1 in the chunk
	Loop       *ForLoop   // a for loop instead of pipelines (then Pipes is empty)
	If         *IfClause  // an if instead of pipelines
	While      *WhileLoop // a while or until loop instead of pipelines
}

// compound reports whether ao is a for, if, while or until instead of
// pipelines.
func (ao *AndOr) compound() bool { return ao.Loop != nil || ao.If != nil || ao.While != nil }

// IfClause is if LIST; then LIST; [elif LIST; then LIST;]... [else LIST;] fi:
// Bodies[i] runs if Conds[i] succeeds and no earlier one did.
type IfClause struct {
	Conds, Bodies []List
	Else          List
}

// WhileLoop is while LIST; do LIST; done, or until: the body runs as long
// as Cond succeeds (until: fails).
type WhileLoop struct {
	Until      bool
	Cond, Body List
}

// ForLoop is for NAME [in WORD...]; do LIST; done. Without in, it runs
// over the positional arguments.
type ForLoop struct {
	Name  string
	Words []*Word
	Args  bool // no "in": "$@"
	Body  List
}

// Pipeline is commands joined by |; Not negates its status (! CMD).
type Pipeline struct {
	Cmds []*Cmd
	Not  bool
}

// Cmd is one simple command: NAME=VALUE assignments before its first
// word give its program that environment; alone, they set variables.
type Cmd struct {
	Assigns []*Assign
	Words   []*Word
	Redirs  []*Redir
}

// Assign is NAME=VALUE before a command's words (NAME unquoted).
type Assign struct {
	Name  string
	Value *Word
}

// Redir is N<WORD, N>WORD, N>>WORD or N>&M.
type Redir struct {
	Fd     int
	Op     string // "<", ">", ">>", ">&"
	Target *Word  // nil for >&
	Dup    int    // for >&
}

// Word is a sequence of parts that expand and join into one or more
// fields.
type Word struct{ Parts []Part }

// PartKind says what a part of a word is.
type PartKind int

const (
	Lit   PartKind = iota // literal text
	Param                 // $NAME, ${NAME}, $?, $#, $@, $1
	Tilde                 // ~ or ~USER at the start of an unquoted word
	Subst                 // $(LIST): the output of LIST (Text is its source)
)

// Part is a piece of a word. Quoted parts are not dropped when empty and
// a quoted $@ keeps its fields apart even so.
type Part struct {
	Kind   PartKind
	Text   string // the literal, the parameter name, or the user of ~USER
	Quoted bool
}

// String gives the word back in a form that reads like the input, for
// traces and job listings.
func (w *Word) String() string {
	var b strings.Builder
	for _, p := range w.Parts {
		switch p.Kind {
		case Lit:
			if p.Quoted || strings.ContainsAny(p.Text, " \t\n;&|<>'\"\\$#~") {
				b.WriteString(strconv.Quote(p.Text))
			} else {
				b.WriteString(p.Text)
			}
		case Param:
			b.WriteString("${" + p.Text + "}")
		case Tilde:
			b.WriteString("~" + p.Text)
		case Subst:
			b.WriteString("$(" + p.Text + ")")
		}
	}
	return b.String()
}

// String is the pipeline as text.
func (p *Pipeline) String() string {
	var cmds []string
	for _, c := range p.Cmds {
		var ws []string
		for _, a := range c.Assigns {
			ws = append(ws, a.Name+"="+a.Value.String())
		}
		for _, w := range c.Words {
			ws = append(ws, w.String())
		}
		for _, r := range c.Redirs {
			s := ""
			if !(r.Fd == 0 && r.Op == "<" || r.Fd == 1 && r.Op != "<") {
				s = strconv.Itoa(r.Fd)
			}
			if r.Op == ">&" {
				s += ">&" + strconv.Itoa(r.Dup)
			} else {
				s += r.Op + r.Target.String()
			}
			ws = append(ws, s)
		}
		cmds = append(cmds, strings.Join(ws, " "))
	}
	s := strings.Join(cmds, " | ")
	if p.Not {
		s = "! " + s
	}
	return s
}

// IncompleteError means the input stopped in the middle of a command: more
// lines finish it (interactively, a continuation prompt asks for them).
type IncompleteError struct {
	What string
	// Until, if set, is text the input must gain before it can be
	// complete: a reader need not parse again before a line has it
	// (a 1,000-line loop would otherwise be parsed 1,000 times).
	Until string
}

func (e *IncompleteError) Error() string { return e.What }

// ErrIncomplete matches any IncompleteError with errors.Is.
var ErrIncomplete = errors.New("incomplete input")

func (e *IncompleteError) Is(target error) bool { return target == ErrIncomplete }

// SyntaxError is input that more lines cannot fix.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return "syntax error: " + e.Msg }

// token kinds
const (
	tWord = iota
	tOp   // ; & && || | newline
	tRedir
	tEOF
)

type token struct {
	kind int
	op   string // operator or redirection op
	fd   int    // redirection fd
	dup  int    // >&M
	word *Word
	line int
}

type lexer struct {
	src   string
	pos   int
	line  int
	depth int // of $(...) around src
}

// maxDepth bounds $(...) nesting: each level is checked by parsing its
// text again, so unbounded nesting would make parsing quadratic.
const maxDepth = 32

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

func isMeta(c byte) bool {
	return c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '\n' || isSpace(c)
}

func isNameStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isNameChar(c byte) bool { return isNameStart(c) || c >= '0' && c <= '9' }

// next returns the next token.
func (l *lexer) next() (token, error) {
	for {
		// blanks, backslash-newline, comments
		for l.pos < len(l.src) && isSpace(l.src[l.pos]) {
			l.pos++
		}
		if strings.HasPrefix(l.src[l.pos:], "\\\n") {
			l.pos += 2
			l.line++
			continue
		}
		if l.pos < len(l.src) && l.src[l.pos] == '#' {
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
			continue
		}
		break
	}
	if l.pos >= len(l.src) {
		return token{kind: tEOF, line: l.line}, nil
	}
	line := l.line
	c := l.src[l.pos]
	rest := l.src[l.pos:]
	switch {
	case c == '\n':
		l.pos++
		l.line++
		return token{kind: tOp, op: "\n", line: line}, nil
	case strings.HasPrefix(rest, "&&"), strings.HasPrefix(rest, "||"):
		l.pos += 2
		return token{kind: tOp, op: rest[:2], line: line}, nil
	case c == ';' || c == '&' || c == '|':
		l.pos++
		return token{kind: tOp, op: rest[:1], line: line}, nil
	case c == '<' || c == '>':
		fd := 0
		if c == '>' {
			fd = 1
		}
		return l.redir(fd, line)
	}
	// An all-digit word right before < or > is the fd of a redirection.
	i := l.pos
	for i < len(l.src) && l.src[i] >= '0' && l.src[i] <= '9' {
		i++
	}
	if i > l.pos && i < len(l.src) && (l.src[i] == '<' || l.src[i] == '>') {
		fd, err := strconv.Atoi(l.src[l.pos:i])
		if err != nil || fd > 9 {
			return token{}, &SyntaxError{line, fmt.Sprintf("bad file descriptor %q", l.src[l.pos:i])}
		}
		l.pos = i
		return l.redir(fd, line)
	}
	w, err := l.word()
	if err != nil {
		return token{}, err
	}
	return token{kind: tWord, word: w, line: line}, nil
}

func (l *lexer) redir(fd, line int) (token, error) {
	op := l.src[l.pos : l.pos+1]
	if rest := l.src[l.pos:]; strings.HasPrefix(rest, "<<") {
		return token{}, &SyntaxError{line, "here-documents (<<) are not supported: redirect from a file (< FILE)"}
	} else if strings.HasPrefix(rest, "<>") {
		return token{}, &SyntaxError{line, "<> is not supported: use < or >"}
	} else if strings.HasPrefix(rest, ">|") {
		return token{}, &SyntaxError{line, ">| is not supported: use >"}
	}
	l.pos++
	if op == ">" && l.pos < len(l.src) && l.src[l.pos] == '>' {
		op = ">>"
		l.pos++
	}
	if l.pos < len(l.src) && l.src[l.pos] == '&' {
		// N>&M or N<&M: duplicate a descriptor.
		l.pos++
		j := l.pos
		for j < len(l.src) && l.src[j] >= '0' && l.src[j] <= '9' {
			j++
		}
		if j == l.pos || j-l.pos > 1 {
			return token{}, &SyntaxError{line, fmt.Sprintf("%d%s& needs a file descriptor (as in 2>&1)", fd, op)}
		}
		dup := int(l.src[l.pos] - '0')
		l.pos = j
		return token{kind: tRedir, op: ">&", fd: fd, dup: dup, line: line}, nil
	}
	return token{kind: tRedir, op: op, fd: fd, line: line}, nil
}

// word reads one word up to an unquoted blank or operator.
func (l *lexer) word() (*Word, error) {
	w := &Word{}
	var lit strings.Builder
	flush := func(quoted bool) {
		if lit.Len() > 0 || quoted {
			w.Parts = append(w.Parts, Part{Kind: Lit, Text: lit.String(), Quoted: quoted})
			lit.Reset()
		}
	}
	// ~ or ~USER at the start of the word, ended by / or the word's end.
	if l.src[l.pos] == '~' {
		j := l.pos + 1
		for j < len(l.src) && (isNameChar(l.src[j]) || l.src[j] == '-' || l.src[j] == '.') {
			j++
		}
		if j == len(l.src) || l.src[j] == '/' || isMeta(l.src[j]) {
			w.Parts = append(w.Parts, Part{Kind: Tilde, Text: l.src[l.pos+1 : j]})
			l.pos = j
		}
	}
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case isMeta(c):
			flush(false)
			return w, nil
		case c == '\\':
			if l.pos+1 >= len(l.src) {
				return nil, &IncompleteError{What: "trailing backslash"}
			}
			if l.src[l.pos+1] == '\n' {
				l.pos += 2
				l.line++
				continue
			}
			flush(false)
			lit.WriteByte(l.src[l.pos+1])
			l.pos += 2
			flush(true)
		case c == '\'':
			end := strings.IndexByte(l.src[l.pos+1:], '\'')
			if end < 0 {
				return nil, &IncompleteError{"unterminated single quote", "'"}
			}
			flush(false)
			s := l.src[l.pos+1 : l.pos+1+end]
			l.line += strings.Count(s, "\n")
			lit.WriteString(s)
			flush(true)
			l.pos += end + 2
		case c == '`':
			return nil, &SyntaxError{l.line, "command substitution `...` is not supported: use $(...)"}
		case c == '"':
			flush(false)
			if err := l.double(w); err != nil {
				return nil, err
			}
		case c == '$':
			if rest := l.src[l.pos+1:]; rest != "" && (rest[0] == '\'' || rest[0] == '"') {
				// bash's $'\t' and $"..." quoting: taken literally, they
				// would give wrong data without a word.
				return nil, &SyntaxError{l.line, fmt.Sprintf("$%c...%c quoting is not supported: use printf, or plain %c...%c", rest[0], rest[0], rest[0], rest[0])}
			}
			p, ok, err := l.param()
			if err != nil {
				return nil, err
			}
			if !ok {
				lit.WriteByte('$')
				l.pos++
				continue
			}
			flush(false)
			w.Parts = append(w.Parts, p)
		default:
			lit.WriteByte(c)
			l.pos++
		}
	}
	flush(false)
	return w, nil
}

// double reads a double-quoted string: $ expands, \ escapes $ ` " \ and
// newline only.
func (l *lexer) double(w *Word) error {
	l.pos++ // opening quote
	var lit strings.Builder
	any := false
	flush := func() {
		w.Parts = append(w.Parts, Part{Kind: Lit, Text: lit.String(), Quoted: true})
		lit.Reset()
		any = true
	}
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch c {
		case '"':
			l.pos++
			if lit.Len() > 0 || !any {
				flush()
			}
			return nil
		case '\\':
			if l.pos+1 < len(l.src) {
				switch n := l.src[l.pos+1]; n {
				case '\n':
					l.pos += 2
					l.line++
					continue
				case '$', '`', '"', '\\':
					lit.WriteByte(n)
					l.pos += 2
					continue
				}
			}
			lit.WriteByte(c)
			l.pos++
		case '`':
			return &SyntaxError{l.line, "command substitution `...` is not supported: use $(...)"}
		case '$':
			p, ok, err := l.param()
			if err != nil {
				return err
			}
			if !ok {
				lit.WriteByte('$')
				l.pos++
				continue
			}
			if lit.Len() > 0 {
				flush()
			}
			p.Quoted = true
			w.Parts = append(w.Parts, p)
			any = true
		default:
			if c == '\n' {
				l.line++
			}
			lit.WriteByte(c)
			l.pos++
		}
	}
	return &IncompleteError{"unterminated double quote", `"`}
}

// param reads $NAME, ${NAME}, $?, $#, $@, $*, $$, $0-$9 at l.pos. ok is
// false for a $ that starts nothing (it stays literal).
func (l *lexer) param() (Part, bool, error) {
	s := l.src[l.pos+1:]
	if s == "" {
		return Part{}, false, nil
	}
	switch c := s[0]; {
	case c == '(' && strings.HasPrefix(s, "(("):
		return Part{}, false, &SyntaxError{l.line, "arithmetic $((...)) is not supported"}
	case c == '(':
		end := substEnd(s[1:])
		if end < 0 {
			return Part{}, false, &IncompleteError{"unterminated $(", ")"}
		}
		text := s[1 : 1+end]
		if l.depth >= maxDepth {
			return Part{}, false, &SyntaxError{l.line, fmt.Sprintf("$(...) nested more than %d deep", maxDepth)}
		}
		if _, err := parse(text, l.depth+1); err != nil {
			var se *SyntaxError
			if errors.As(err, &se) {
				msg := se.Msg
				if !strings.HasPrefix(msg, "in $(...): ") {
					msg = "in $(...): " + msg
				}
				return Part{}, false, &SyntaxError{l.line + se.Line - 1, msg}
			}
			return Part{}, false, &SyntaxError{l.line, "in $(...): " + err.Error()}
		}
		l.line += strings.Count(text, "\n")
		l.pos += end + 3
		return Part{Kind: Subst, Text: text}, true, nil
	case c == '{':
		end := strings.IndexByte(s, '}')
		if end < 0 {
			if strings.ContainsAny(s, "\n") {
				return Part{}, false, &SyntaxError{l.line, "missing } after ${"}
			}
			return Part{}, false, &IncompleteError{What: "missing } after ${"}
		}
		name := s[1:end]
		if !validParam(name) {
			return Part{}, false, &SyntaxError{l.line, fmt.Sprintf("bad substitution ${%s}", clip(name, 40))}
		}
		l.pos += end + 2
		return Part{Kind: Param, Text: name}, true, nil
	case c == '-':
		return Part{}, false, &SyntaxError{l.line, "$- is not supported: use set to see the options"}
	case c == '?' || c == '#' || c == '@' || c == '*' || c == '$' || c == '!' || c >= '0' && c <= '9':
		l.pos += 2
		return Part{Kind: Param, Text: s[:1]}, true, nil
	case isNameStart(c):
		j := 1
		for j < len(s) && isNameChar(s[j]) {
			j++
		}
		l.pos += j + 1
		return Part{Kind: Param, Text: s[:j]}, true, nil
	}
	return Part{}, false, nil
}

func validParam(name string) bool {
	if name == "" {
		return false
	}
	if len(name) == 1 && strings.ContainsAny(name, "?#@*$!") {
		return true
	}
	if _, err := strconv.Atoi(name); err == nil {
		return name[0] != '-' && name[0] != '+'
	}
	return isName(name)
}

// Parse parses a chunk of input. It returns an *IncompleteError when the
// chunk ends in the middle of a command (open quote, trailing backslash,
// trailing | && ||), and a *SyntaxError for input that cannot be fixed by
// more lines. Line numbers count from 1.
func Parse(src string) (List, error) { return parse(src, 0) }

func parse(src string, depth int) (List, error) {
	p := &parser{lx: lexer{src: src, line: 1, depth: depth}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	return p.list()
}

type parser struct {
	lx    lexer
	tok   token
	loops int // for loops open around the token
}

func (p *parser) advance() (err error) {
	p.tok, err = p.lx.next()
	return err
}

func (p *parser) isOp(ops ...string) bool {
	if p.tok.kind != tOp {
		return false
	}
	for _, o := range ops {
		if p.tok.op == o {
			return true
		}
	}
	return false
}

func (p *parser) unexpected() error {
	what := p.tok.op
	switch {
	case p.tok.kind == tWord:
		what = p.tok.word.String()
	case p.tok.kind == tRedir:
		what = "redirection"
	case what == "\n":
		what = "newline"
	}
	return &SyntaxError{p.tok.line, fmt.Sprintf("unexpected %q", what)}
}

func (p *parser) list() (List, error) { return p.listUntil(nil) }

// reserved are the words that end or continue a compound command: where
// a command would start, they are no command.
var reserved = []string{"do", "done", "then", "elif", "else", "fi"}

// block is what a compound command being read still needs: the message
// for input that ends first, the word that would end it, and the words
// that end the list being read (left unread).
type block struct {
	what, until string
	stops       []string
}

// listUntil reads and-or lists up to one of b's stop words at the start
// of a command, which it leaves unread; a nil b reads to the end of the
// input.
func (p *parser) listUntil(b *block) (List, error) {
	var l List
	incomplete := func() error { return &IncompleteError{b.what, b.until} }
	atStop := func() bool {
		if b != nil {
			for _, s := range b.stops {
				if p.isKeyword(s) {
					return true
				}
			}
		}
		return false
	}
	for {
		for p.isOp("\n") {
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if p.tok.kind == tEOF {
			if b != nil {
				return nil, incomplete()
			}
			return l, nil
		}
		if atStop() {
			return l, nil
		}
		if p.isReserved() {
			return nil, p.unexpected()
		}
		ao, err := p.command()
		if err != nil {
			return nil, err
		}
		l = append(l, ao)
		switch {
		case p.tok.kind == tEOF:
			if b != nil {
				return nil, incomplete()
			}
			return l, nil
		case ao.compound() && p.isOp("&"):
			return nil, &SyntaxError{p.tok.line, "a compound command (for, if, while, until) cannot run in the background"}
		case ao.compound() && p.tok.kind == tRedir:
			return nil, &SyntaxError{p.tok.line, "a compound command (for, if, while, until) takes no redirections: redirect the commands inside it"}
		case p.isOp(";", "&", "\n"):
			ao.Background = p.tok.op == "&"
			if err := p.advance(); err != nil {
				return nil, err
			}
		case atStop():
		default:
			return nil, p.unexpected()
		}
	}
}

// command reads one and-or list or compound command.
func (p *parser) command() (*AndOr, error) {
	var read func() (*AndOr, error)
	switch {
	case p.isKeyword("for"):
		read = p.forLoop
	case p.isKeyword("if"):
		read = p.ifClause
	case p.isKeyword("while"), p.isKeyword("until"):
		read = p.whileLoop
	default:
		return p.andOr()
	}
	if p.loops >= maxDepth {
		return nil, &SyntaxError{p.tok.line, fmt.Sprintf("compound commands (for, if, while, until) nested more than %d deep", maxDepth)}
	}
	p.loops++
	defer func() { p.loops-- }()
	return read()
}

// isReserved reports whether the token is one of the reserved words.
func (p *parser) isReserved() bool {
	for _, r := range reserved {
		if p.isKeyword(r) {
			return true
		}
	}
	return false
}

// part reads the list of a compound command up to one of b's stops,
// which must not be empty: "if ... then" with nothing between is a syntax
// error, as in sh.
func (p *parser) part(b *block, after string) (List, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	l, err := p.listUntil(b)
	if err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, &SyntaxError{p.tok.line, fmt.Sprintf("nothing after %s", after)}
	}
	return l, nil
}

// ifClause reads if LIST then LIST [elif LIST then LIST]... [else LIST] fi;
// the token is "if".
func (p *parser) ifClause() (*AndOr, error) {
	ao := &AndOr{Line: p.tok.line, If: &IfClause{}}
	f := ao.If
	cond := &block{"if without then", "then", []string{"then"}}
	body := &block{"if without fi", "fi", []string{"elif", "else", "fi"}}
	word := "if"
	for {
		c, err := p.part(cond, word)
		if err != nil {
			return nil, err
		}
		b, err := p.part(body, "then")
		if err != nil {
			return nil, err
		}
		f.Conds, f.Bodies = append(f.Conds, c), append(f.Bodies, b)
		if !p.isKeyword("elif") {
			break
		}
		word = "elif"
	}
	if p.isKeyword("else") {
		var err error
		if f.Else, err = p.part(&block{"if without fi", "fi", []string{"fi"}}, "else"); err != nil {
			return nil, err
		}
	}
	if err := p.advance(); err != nil { // fi
		return nil, err
	}
	return ao, nil
}

// whileLoop reads while (or until) LIST do LIST done; the token is the
// first word.
func (p *parser) whileLoop() (*AndOr, error) {
	word := p.tok.word.Parts[0].Text
	ao := &AndOr{Line: p.tok.line, While: &WhileLoop{Until: word == "until"}}
	w := ao.While
	var err error
	if w.Cond, err = p.part(&block{word + " without do", "do", []string{"do"}}, word); err != nil {
		return nil, err
	}
	if w.Body, err = p.part(&block{word + " without done", "done", []string{"done"}}, "do"); err != nil {
		return nil, err
	}
	if err := p.advance(); err != nil { // done
		return nil, err
	}
	return ao, nil
}

// isKeyword reports whether the token is the unquoted word kw.
func (p *parser) isKeyword(kw string) bool {
	return p.tok.kind == tWord && len(p.tok.word.Parts) == 1 && p.tok.word.Parts[0] == (Part{Kind: Lit, Text: kw})
}

// forLoop reads for NAME [in WORD...] (; or newline) do LIST done; the
// token is "for".
func (p *parser) forLoop() (*AndOr, error) {
	ao := &AndOr{Line: p.tok.line, Loop: &ForLoop{}}
	f := ao.Loop
	more := func() error {
		if err := p.advance(); err != nil {
			return err
		}
		if p.tok.kind == tEOF {
			return &IncompleteError{"for without done", "done"}
		}
		return nil
	}
	if err := more(); err != nil {
		return nil, err
	}
	if p.tok.kind != tWord || len(p.tok.word.Parts) != 1 || p.tok.word.Parts[0].Kind != Lit ||
		p.tok.word.Parts[0].Quoted || !isName(p.tok.word.Parts[0].Text) {
		return nil, &SyntaxError{p.tok.line, "for needs a variable name"}
	}
	f.Name = p.tok.word.Parts[0].Text
	if err := more(); err != nil {
		return nil, err
	}
	for p.isOp("\n") { // for i \n in a b
		if err := more(); err != nil {
			return nil, err
		}
	}
	f.Args = !p.isKeyword("in")
	if !f.Args {
		if err := more(); err != nil {
			return nil, err
		}
		for p.tok.kind == tWord {
			f.Words = append(f.Words, p.tok.word)
			if err := more(); err != nil {
				return nil, err
			}
		}
	}
	if !p.isKeyword("do") { // for i do: POSIX allows it
		if !p.isOp(";", "\n") {
			return nil, p.unexpected()
		}
		if err := more(); err != nil {
			return nil, err
		}
		for p.isOp("\n") {
			if err := more(); err != nil {
				return nil, err
			}
		}
	}
	if !p.isKeyword("do") {
		return nil, &SyntaxError{p.tok.line, "for needs do after its words"}
	}
	if err := more(); err != nil {
		return nil, err
	}
	body, err := p.listUntil(&block{"for without done", "done", []string{"done"}})
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, &SyntaxError{p.tok.line, "for with nothing between do and done"}
	}
	f.Body = body
	if err := p.advance(); err != nil { // done
		return nil, err
	}
	return ao, nil
}

func (p *parser) andOr() (*AndOr, error) {
	ao := &AndOr{Line: p.tok.line}
	for {
		pl, err := p.pipeline()
		if err != nil {
			return nil, err
		}
		ao.Pipes = append(ao.Pipes, pl)
		if !p.isOp("&&", "||") {
			return ao, nil
		}
		ao.Ops = append(ao.Ops, p.tok.op)
		if err := p.skipNewlinesAfter(p.tok.op); err != nil {
			return nil, err
		}
	}
}

// skipNewlinesAfter moves past an operator that needs something after it
// (| && ||) and any newlines; the end of input there is incomplete.
func (p *parser) skipNewlinesAfter(op string) error {
	for {
		if err := p.advance(); err != nil {
			return err
		}
		if !p.isOp("\n") {
			break
		}
	}
	if p.tok.kind == tEOF {
		return &IncompleteError{What: fmt.Sprintf("%q at the end of the input needs a command after it", op)}
	}
	return nil
}

func (p *parser) pipeline() (*Pipeline, error) {
	pl := &Pipeline{}
	if p.isKeyword("!") {
		pl.Not = true
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	for {
		if err := p.simple(); err != nil {
			return nil, err
		}
		c, err := p.cmd()
		if err != nil {
			return nil, err
		}
		pl.Cmds = append(pl.Cmds, c)
		if !p.isOp("|") {
			return pl, nil
		}
		if err := p.skipNewlinesAfter("|"); err != nil {
			return nil, err
		}
	}
}

// simple refuses a compound command or a reserved word where a simple
// command must start: after && || | or !.
func (p *parser) simple() error {
	switch {
	case p.isKeyword("for"), p.isKeyword("if"), p.isKeyword("while"), p.isKeyword("until"):
		return &SyntaxError{p.tok.line, fmt.Sprintf("%s is a command of its own: it cannot follow && || | or !", p.tok.word.Parts[0].Text)}
	case p.isReserved():
		return p.unexpected()
	}
	return nil
}

func (p *parser) cmd() (*Cmd, error) {
	c := &Cmd{}
	for {
		switch p.tok.kind {
		case tWord:
			if a := assignment(p.tok.word); a != nil && len(c.Words) == 0 {
				c.Assigns = append(c.Assigns, a)
				break
			}
			c.Words = append(c.Words, p.tok.word)
		case tRedir:
			r := &Redir{Fd: p.tok.fd, Op: p.tok.op, Dup: p.tok.dup}
			if r.Op != ">&" {
				line := p.tok.line
				if err := p.advance(); err != nil {
					return nil, err
				}
				if p.tok.kind != tWord {
					if p.tok.kind == tEOF || p.isOp("\n") {
						return nil, &SyntaxError{line, fmt.Sprintf("%s needs a file name", r.Op)}
					}
					return nil, p.unexpected()
				}
				r.Target = p.tok.word
			}
			c.Redirs = append(c.Redirs, r)
		default:
			if len(c.Words) == 0 && len(c.Redirs) == 0 && len(c.Assigns) == 0 {
				if p.tok.kind == tEOF {
					return nil, &SyntaxError{p.tok.line, "missing command"}
				}
				return nil, p.unexpected()
			}
			if len(c.Words) == 0 && len(c.Assigns) == 0 {
				return nil, &SyntaxError{p.tok.line, "redirection without a command"}
			}
			return c, nil
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
}

// assignment returns w as NAME=VALUE if it starts with an unquoted name
// and =, as sh reads it before a command's first word.
func assignment(w *Word) *Assign {
	if len(w.Parts) == 0 || w.Parts[0].Kind != Lit || w.Parts[0].Quoted {
		return nil
	}
	name, rest, ok := strings.Cut(w.Parts[0].Text, "=")
	if !ok || !isName(name) {
		return nil
	}
	value := &Word{Parts: append(tildes(rest, len(w.Parts) == 1), w.Parts[1:]...)}
	return &Assign{Name: name, Value: value}
}

// tildes splits the start of an assignment's value, as sh reads it: ~ and
// ~USER expand at its start and after each ':' (PATH=$PATH:~/bin), when
// followed by '/', ':' or the end of the value (whole: nothing follows).
func tildes(text string, whole bool) []Part {
	parts := []Part{}
	for {
		if strings.HasPrefix(text, "~") {
			j := 1
			for j < len(text) && (isNameChar(text[j]) || text[j] == '-' || text[j] == '.') {
				j++
			}
			if j < len(text) && (text[j] == '/' || text[j] == ':') || j == len(text) && whole {
				parts = append(parts, Part{Kind: Tilde, Text: text[1:j]})
				text = text[j:]
			}
		}
		i := strings.IndexByte(text, ':')
		if i < 0 {
			return append(parts, Part{Kind: Lit, Text: text})
		}
		parts = append(parts, Part{Kind: Lit, Text: text[:i+1]})
		text = text[i+1:]
	}
}

func isName(s string) bool {
	if s == "" || !isNameStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	return true
}

// substEnd returns the index in s, the text after "$(", of the ) that
// closes it, or -1 if the input ends first. Quotes, escapes, comments and
// nested $( ) are skipped as the lexer would read them.
func substEnd(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			i++
		case '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return -1
			}
			i += j + 1
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				switch {
				case s[i] == '\\':
					i++
				case s[i] == '$' && i+1 < len(s) && s[i+1] == '(':
					j := substEnd(s[i+2:])
					if j < 0 {
						return -1
					}
					i += j + 2
				}
			}
			if i >= len(s) {
				return -1
			}
		case '#':
			if i == 0 || isMeta(s[i-1]) {
				j := strings.IndexByte(s[i:], '\n')
				if j < 0 {
					return -1
				}
				i += j
			}
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}
