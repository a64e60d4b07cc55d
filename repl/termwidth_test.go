package repl

import (
	"os"
	"testing"

	"github.com/creack/pty"
)

// A pty whose size was never set says 0 columns: readline is told 80.
func TestTermWidth(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	defer tty.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if got := termWidth(tty); got != 80 {
		t.Errorf("unsized pty: %d, want 80", got)
	}
	pty.Setsize(ptmx, &pty.Winsize{Rows: 30, Cols: 132})
	if got := termWidth(w, tty); got != 132 {
		t.Errorf("pipe then pty: %d, want 132", got)
	}
	if got := termWidth(w, nil); got != 80 {
		t.Errorf("no terminal: %d, want 80", got)
	}
}
