package command

import (
	"errors"
	"os"
	"testing"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

func TestTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 33, Cols: 77}); err != nil {
		t.Fatal(err)
	}
	if !IsTerminal(tty) {
		t.Error("IsTerminal(pty) = false")
	}
	ws, err := Winsize(tty)
	if err != nil || ws.Row != 33 || ws.Col != 77 {
		t.Errorf("Winsize(pty) = %+v, %v; want 33x77", ws, err)
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if IsTerminal(r) {
		t.Error("IsTerminal(pipe) = true")
	}
	if _, err := Winsize(r); !errors.Is(err, unix.ENOTTY) {
		t.Errorf("Winsize(pipe) error = %v, want ENOTTY", err)
	}
	// Asking must leave the pipe non-blocking, as os.Pipe made it:
	// Fd() would have switched it to blocking mode for good.
	var flags int
	rc, _ := r.SyscallConn()
	rc.Control(func(fd uintptr) { flags, err = unix.FcntlInt(fd, unix.F_GETFL, 0) })
	if err != nil || flags&unix.O_NONBLOCK == 0 {
		t.Errorf("pipe flags %#x, %v: no longer non-blocking", flags, err)
	}

	for _, x := range []any{nil, (*os.File)(nil), "stdout"} {
		if IsTerminal(x) {
			t.Errorf("IsTerminal(%#v) = true", x)
		}
	}
}
