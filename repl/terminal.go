package repl

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/chzyer/readline"
)

// terminalReader reads lines with readline: editing, history (Ctrl-R
// searches it), completion.
type terminalReader struct {
	rl   *readline.Instance
	last string // last command put in the history
}

func newTerminalReader(sh *Shell, stdin *os.File, stdout, stderr io.Writer) (*terminalReader, error) {
	cfg := &readline.Config{
		Prompt:                 "nsh# ",
		HistoryFile:            historyFile(sh),
		HistoryLimit:           10000,
		DisableAutoSaveHistory: true, // Remember saves, without duplicates
		AutoComplete:           &completer{sh: sh},
		InterruptPrompt:        "^C",
		EOFPrompt:              "exit",
		Stdin:                  stdin,
		Stdout:                 stdout,
		Stderr:                 stderr,
		HistorySearchFold:      true,
		FuncFilterInputRune: func(r rune) (rune, bool) {
			// Ctrl-Z at the prompt would stop nsh itself: nothing to stop.
			return r, r != readline.CharCtrlZ
		},
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		return nil, err
	}
	return &terminalReader{rl: rl}, nil
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
	t.rl.SetPrompt(prompt)
	line, err := t.rl.Readline()
	if errors.Is(err, readline.ErrInterrupt) {
		return "", ErrInterrupted
	}
	return line, err
}

func (t *terminalReader) Close() error { return t.rl.Close() }

// historyFile is $XDG_STATE_HOME/nsh/history, or ~/.local/state/nsh/history.
func historyFile(sh *Shell) string {
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
// (the history file holds one entry a line): backslash-newlines go, the
// newlines after | && || become blanks. It keeps the text as typed if
// joining would change what it means (a newline inside quotes).
func oneLine(text string) string {
	if !strings.Contains(text, "\n") {
		return text
	}
	joined := strings.ReplaceAll(strings.ReplaceAll(text, "\\\n", ""), "\n", " ")
	a, err1 := Parse(text)
	b, err2 := Parse(joined)
	if err1 != nil || err2 != nil || len(a) != len(b) {
		return text
	}
	for i := range a {
		if andOrText(a[i]) != andOrText(b[i]) {
			return text
		}
	}
	return joined
}
