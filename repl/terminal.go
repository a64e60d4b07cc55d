package repl

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chzyer/readline"
	"mvdan.cc/sh/v3/syntax"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/lang"
)

// terminalReader reads lines with readline: editing, history (Ctrl-R
// searches it), completion.
type terminalReader struct {
	rl   *readline.Instance
	in   *ttyInput
	out  io.Writer
	last string // last command put in the history
}

func newTerminalReader(sh *lang.Shell, stdin *os.File, stdout, stderr io.Writer) (*terminalReader, error) {
	in := newTTYInput(stdin)
	cfg := &readline.Config{
		Prompt:                 "nsh# ",
		HistoryFile:            historyFile(sh),
		HistoryLimit:           10000,
		DisableAutoSaveHistory: true, // Remember saves, without duplicates
		AutoComplete:           &completer{sh: sh},
		InterruptPrompt:        "^C",
		EOFPrompt:              "exit",
		Stdin:                  in,
		Stdout:                 stdout,
		Stderr:                 stderr,
		HistorySearchFold:      true,
		FuncGetWidth:           func() int { return termWidth(stdout, stdin) },
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		in.Close()
		return nil, err
	}
	return &terminalReader{rl: rl, in: in, out: stdout}, nil
}

// termWidth is the terminal's width in columns, from the first of files
// that is a terminal: 80 when it reports none (a pty whose size was never
// set says 0, and readline then lists no completions and draws garbage).
func termWidth(files ...any) int {
	for _, f := range files {
		if ws, err := command.Winsize(f); err == nil {
			if ws.Col > 0 {
				return int(ws.Col)
			}
			break
		}
	}
	return 80
}

// Remember puts a whole command (continuation lines joined) in the
// history, unless it repeats the previous one or starts with a blank.
func (t *terminalReader) Remember(text string) {
	text = oneLine(text)
	if strings.TrimSpace(text) == "" || text == t.last || text[0] == ' ' {
		return
	}
	t.last = text
	t.rl.SaveHistory(text)
}

func (t *terminalReader) ReadLine(prompt string) (string, error) {
	// readline redraws its whole prompt at every key, and one of several
	// lines climbs the screen: the lines above the last are written once.
	if i := strings.LastIndexByte(prompt, '\n'); i >= 0 {
		io.WriteString(t.out, prompt[:i+1])
		prompt = prompt[i+1:]
	}
	t.rl.SetPrompt(prompt)
	t.in.gate(true)
	line, err := t.rl.Readline()
	t.in.gate(false)
	if errors.Is(err, readline.ErrInterrupt) {
		return "", lang.ErrInterrupted
	}
	return line, err
}

// Close ends a read of the terminal that may be pending (readline's
// Close waits for it) and then readline.
func (t *terminalReader) Close() error {
	t.in.Close()
	return t.rl.Close()
}

// ttyInput is the terminal as readline reads it, with three fixes.
//
// readline's reading goroutine may read on after a line ended: its
// filter for Ctrl-Z left a spare wake-up behind, and the line typed next
// into cat was read by nsh and run at the next prompt. ttyInput reads
// only while a prompt is up (the gate is open), and drops Ctrl-Z itself:
// at the prompt there is nothing to stop, as in bash.
//
// readline takes a NUL byte for the end of input and then keeps reading.
// But NUL is what Ctrl-Space sends, and what the kernel leaves in place of
// a Ctrl-D typed ahead while a command ran (the terminal was in cooked
// mode then; in raw mode the marker becomes a byte). So NULs are dropped,
// as bash's readline ignores C-@ at an empty line.
//
// readline's Close waits for its reading goroutine, which may be blocked
// in read(2) on the terminal, where closing the file does not reach it.
// ttyInput reads in a goroutine of its own, only when asked, so that
// Close can end a pending Read at once.
type ttyInput struct {
	f    *os.File
	ask  chan int
	got  chan ttyChunk
	done chan struct{}
	once sync.Once

	mu   sync.Mutex
	open chan struct{} // closed while a prompt is up
}

type ttyChunk struct {
	b   []byte
	err error
}

func newTTYInput(f *os.File) *ttyInput {
	t := &ttyInput{f: f, ask: make(chan int), got: make(chan ttyChunk), done: make(chan struct{}), open: make(chan struct{})}
	go t.loop()
	return t
}

func (t *ttyInput) loop() {
	for {
		var n int
		select {
		case n = <-t.ask:
		case <-t.done:
			return
		}
		b := make([]byte, n)
		n, err := t.f.Read(b)
		select {
		case t.got <- ttyChunk{b[:n], err}:
		case <-t.done:
			return
		}
	}
}

// gate opens or closes reading.
func (t *ttyInput) gate(open bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	select {
	case <-t.open:
		if !open {
			t.open = make(chan struct{})
		}
	default:
		if open {
			close(t.open)
		}
	}
}

func (t *ttyInput) Read(p []byte) (int, error) {
	for {
		t.mu.Lock()
		open := t.open
		t.mu.Unlock()
		select {
		case <-open:
		case <-t.done:
			return 0, io.EOF
		}
		select {
		case t.ask <- len(p):
		case <-t.done:
			return 0, io.EOF
		}
		var c ttyChunk
		select {
		case c = <-t.got:
		case <-t.done:
			return 0, io.EOF
		}
		n := 0
		for _, b := range c.b {
			if b != 0 && b != readline.CharCtrlZ {
				p[n] = b
				n++
			}
		}
		if n > 0 || c.err != nil || len(c.b) == 0 {
			return n, c.err
		}
	}
}

func (t *ttyInput) Close() error {
	t.once.Do(func() { close(t.done) })
	return nil
}

// historyFile is $XDG_STATE_HOME/nsh/history, or ~/.local/state/nsh/history.
func historyFile(sh *lang.Shell) string {
	dir, _ := sh.Var("XDG_STATE_HOME")
	if dir == "" {
		home, _ := sh.Var("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	dir = filepath.Join(dir, "nsh")
	if os.MkdirAll(dir, 0o700) != nil {
		return ""
	}
	return filepath.Join(dir, "history")
}

// oneLine joins a command typed over several lines into one history line
// (the history file holds one entry a line), as the parser reads it. It
// keeps the text as typed if it cannot be one line (a here-document) or
// does not parse.
func oneLine(text string) string {
	if !strings.Contains(text, "\n") || strings.Contains(text, "<<") {
		return text
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(text), "")
	if err != nil {
		return text
	}
	var b strings.Builder
	if syntax.NewPrinter(syntax.SingleLine(true)).Print(&b, f) != nil {
		return text
	}
	return strings.TrimSpace(b.String())
}
