package plugins

import (
	"bytes"
	"strings"
	"sync"
)

// ring keeps the last lines a plugin process wrote on its own stderr (panic
// traces, go-plugin's errors), to explain a failure.
type ring struct {
	mu      sync.Mutex
	lines   []string
	part    []byte
	crash   []string // a Go panic's first lines: the message and where
	inCrash bool
	first   []string // the first lines (saw)
}

// The shell keeps an error message to a few hundred bytes: a failure
// shows the last few lines, shortened.
const (
	ringLines = 3
	lineMax   = 72
)

func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.part = append(r.part, p...)
	for {
		i := bytes.IndexByte(r.part, '\n')
		if i < 0 {
			break
		}
		r.add(string(r.part[:i]))
		r.part = r.part[i+1:]
	}
	if len(r.part) > 4096 {
		r.add(string(r.part))
		r.part = nil
	}
	return len(p), nil
}

// saw reports whether a line seen so far contains one of subs (only the
// first lines are kept: what refuses a handshake comes first).
func (r *ring) saw(subs ...string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range append(r.first, r.lines...) {
		for _, s := range subs {
			if strings.Contains(l, s) {
				return true
			}
		}
	}
	return false
}

func (r *ring) add(line string) {
	line = strings.TrimRight(line, "\r")
	if strings.TrimSpace(line) == "" {
		return
	}
	if len(r.first) < ringLines {
		r.first = append(r.first, clean(line, 2*maxLine, false))
	}
	line = clean(line, lineMax, false)
	// A Go crash prints its message first and then every goroutine: the
	// last lines would be noise, so keep the message.
	if r.crash == nil && (strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ")) {
		r.inCrash = true
	}
	if r.inCrash {
		r.crash = append(r.crash, line)
		r.inCrash = false // the message; the trace that follows is noise
	}
	r.lines = append(r.lines, line)
	if len(r.lines) > ringLines {
		r.lines = r.lines[len(r.lines)-ringLines:]
	}
}

// String is the last lines, indented, or "" when there were none.
func (r *ring) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	lines := r.lines
	if r.crash != nil {
		lines = r.crash
	} else if len(r.part) > 0 {
		lines = append(lines[:len(lines):len(lines)], clean(string(r.part), lineMax, false))
	}
	if len(lines) == 0 {
		return ""
	}
	return "\n  | " + strings.Join(lines, "\n  | ")
}
