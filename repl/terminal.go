package repl

import (
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/chzyer/readline"
)

// terminalReader reads lines with readline: editing, history, completion.
type terminalReader struct{ rl *readline.Instance }

func newTerminalReader(sh *Shell, stdin *os.File, stdout, stderr io.Writer) (*terminalReader, error) {
	cfg := &readline.Config{
		Prompt:                 "nsh# ",
		HistoryFile:            historyFile(sh.Env),
		HistoryLimit:           10000,
		DisableAutoSaveHistory: false,
		AutoComplete:           &completer{sh: sh},
		InterruptPrompt:        "^C",
		EOFPrompt:              "exit",
		Stdin:                  stdin,
		Stdout:                 stdout,
		Stderr:                 stderr,
		HistorySearchFold:      true,
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		return nil, err
	}
	return &terminalReader{rl}, nil
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
func historyFile(env []string) string {
	dir := getenv(env, "XDG_STATE_HOME")
	if dir == "" {
		home := getenv(env, "HOME")
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

func getenv(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := cutEnv(env[i]); ok && k == name {
			return v
		}
	}
	return ""
}

func cutEnv(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return "", "", false
}
