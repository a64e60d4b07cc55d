package plugins

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Each plugin has a log, $XDG_STATE_HOME/nsh/plugins/NAME.log (else
// ~/.local/state/nsh/plugins/NAME.log): what its processes write on their
// own stderr (a panic's stack, go-plugin's errors, a library's warnings)
// and what reaches their stdout outside a call. A failure shows the last
// lines; plugin log NAME shows the rest. A log over maxLog is moved to
// NAME.log.old when a process starts.
const maxLog = 1 << 20

// logDir is where the logs are; "" when it cannot be known.
func logDir(env []string) string { return xdgPath(env, "XDG_STATE_HOME", ".local/state", "plugins") }

// pluginLog appends to a plugin's log, opened when first written to.
// Failing to keep a log is not an error: the last lines are still shown
// on a failure.
type pluginLog struct {
	path string // "" for none
	once sync.Once
	f    *os.File
}

func newLog(env []string, name string) *pluginLog {
	dir := logDir(env)
	if dir == "" {
		return &pluginLog{}
	}
	return &pluginLog{path: filepath.Join(dir, name+".log")}
}

func (l *pluginLog) Write(p []byte) (int, error) {
	l.once.Do(func() {
		if l.path == "" || os.MkdirAll(filepath.Dir(l.path), 0o700) != nil {
			return
		}
		if st, err := os.Lstat(l.path); err == nil && st.Mode().IsRegular() && st.Size() > maxLog {
			os.Rename(l.path, l.path+".old")
		}
		// Not through a link: the directory is the user's, nsh may be root.
		fd, err := unix.Open(l.path, unix.O_WRONLY|unix.O_APPEND|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err == nil {
			l.f = os.NewFile(uintptr(fd), l.path)
		}
	})
	if l.f != nil {
		l.f.Write(p)
	}
	return len(p), nil
}

// started notes a process's start in the log, so that its lines can be
// told from an earlier one's.
func (l *pluginLog) started(pid int, where string) {
	fmt.Fprintf(l, "--- %s: process %d started in %s\n", time.Now().Format(time.RFC3339), pid, where)
}

func (l *pluginLog) Close() error {
	if l.f != nil {
		return l.f.Close()
	}
	return nil
}

// Log returns the path of plugin name's log and its last n lines, made
// safe to print (plugin log NAME).
func (h *Host) Log(name string, n int) (path, text string, err error) {
	h.discover()
	h.mu.Lock()
	known := false
	for _, p := range h.plugins {
		known = known || p.Name == name
	}
	h.mu.Unlock()
	if !known {
		return "", "", fmt.Errorf("no plugin named %s (plugin list shows them)", name)
	}
	path = newLog(h.env, name).path
	if path == "" {
		return "", "", fmt.Errorf("no log: neither XDG_STATE_HOME nor HOME is set")
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err == unix.ENOENT {
		return path, "", nil
	}
	if err != nil {
		return path, "", &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 2*maxLog {
		f.Seek(-2*maxLog, io.SeekEnd)
	}
	b, _ := io.ReadAll(io.LimitReader(f, 2*maxLog))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = clean(l, maxText, false)
	}
	return path, strings.Join(lines, "\n"), nil
}

// callStdout takes what a process writes on its own stdout after the
// handshake (a plugin's fmt.Println: go-plugin carries it) to the running
// call's stdout, else to the log.
type callStdout struct {
	mu  sync.Mutex
	w   io.Writer // the call's, nil between calls
	log io.Writer
}

func (o *callStdout) set(w io.Writer) {
	o.mu.Lock()
	o.w = w
	o.mu.Unlock()
}

func (o *callStdout) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.w != nil {
		o.w.Write(p)
	} else {
		o.log.Write(p)
	}
	return len(p), nil
}
