package lang

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/command"
)

// traps are what runs on EXIT, ERR and signals. A trapped signal is only
// noted when it arrives; its action runs at the next command boundary (after
// the foreground program it interrupted, as in sh).
type traps struct {
	mu      sync.Mutex
	actions map[string]string
	// inherited: a subshell's copy of its parent's traps, listed by trap
	// (saved=$(trap)) but not run, as POSIX says; ignored signals stay
	// ignored.
	inherited map[string]bool
	pending   *atomic.Uint64 // bit N: signal N arrived (the shell's, shared)
	notify    chan os.Signal
}

func newTraps() *traps {
	return &traps{actions: map[string]string{}, inherited: map[string]bool{}, pending: new(atomic.Uint64)}
}

func (t *traps) forSubshell() *traps {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := &traps{actions: map[string]string{}, inherited: map[string]bool{}, pending: new(atomic.Uint64)}
	for k, v := range t.actions {
		c.actions[k] = v
		c.inherited[k] = true
	}
	return c
}

// signalNames are the signals trap and kill know, by their names without
// SIG.
func signalNum(name string) (unix.Signal, bool) {
	name = strings.ToUpper(strings.TrimPrefix(strings.ToUpper(name), "SIG"))
	if n, err := strconv.Atoi(name); err == nil {
		if n > 0 && n < 65 {
			return unix.Signal(n), true
		}
		return 0, false
	}
	s := unix.SignalNum("SIG" + name)
	return s, s != 0
}

// trapCond is a condition as trap prints it: EXIT, ERR, or a signal's name
// without SIG.
func trapCond(c string) (string, error) {
	switch u := strings.ToUpper(c); u {
	case "0", "EXIT":
		return "EXIT", nil
	case "ERR", "DEBUG", "RETURN":
		return u, nil
	}
	s, ok := signalNum(c)
	if !ok {
		return "", fmt.Errorf("%s: not a signal or condition (trap -l lists them)", c)
	}
	if s == unix.SIGKILL || s == unix.SIGSTOP {
		return "", fmt.Errorf("%s cannot be trapped", unix.SignalName(s))
	}
	return strings.TrimPrefix(unix.SignalName(s), "SIG"), nil
}

// Trap implements builtins.Lang.
func (sh *Shell) Trap(cond, action string, reset bool) error {
	c, err := trapCond(cond)
	if err != nil {
		return err
	}
	t := sh.traps
	t.mu.Lock()
	delete(t.inherited, c)
	if reset {
		delete(t.actions, c)
	} else {
		t.actions[c] = action
	}
	t.mu.Unlock()
	if sig, ok := signalNum(c); ok && !sh.sub {
		sh.watch(sig, action, reset)
	}
	return nil
}

// watch makes the signal do what its trap says: noted for the trap,
// ignored for an empty action, or back to what nsh does without one.
func (sh *Shell) watch(sig unix.Signal, action string, reset bool) {
	t := sh.traps
	switch {
	case reset && (sig == unix.SIGINT || sig == unix.SIGQUIT || sig == unix.SIGTSTP && sh.interactive):
		// nsh's own handling (Main) stays: Ctrl-C ends the script.
		return
	case reset:
		signal.Reset(sig)
		return
	case action == "" && sig != unix.SIGINT:
		signal.Ignore(sig)
		return
	}
	if t.notify == nil {
		t.notify = make(chan os.Signal, 8)
		go func() {
			for s := range t.notify {
				t.pending.Or(1 << uint(s.(unix.Signal)))
			}
		}()
	}
	signal.Notify(t.notify, sig)
}

// Traps implements builtins.Lang.
func (sh *Shell) Traps() []builtins.Trap {
	t := sh.traps
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []builtins.Trap
	for c, a := range t.actions {
		out = append(out, builtins.Trap{Cond: c, Action: a})
	}
	sort.Slice(out, func(i, j int) bool { return condOrder(out[i].Cond) < condOrder(out[j].Cond) })
	return out
}

func condOrder(c string) int {
	if c == "EXIT" {
		return 0
	}
	if s, ok := signalNum(c); ok {
		return int(s)
	}
	return 100
}

// action is what runs for cond here, "" if nothing does.
func (t *traps) action(cond string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := t.actions[cond]
	if !ok || t.inherited[cond] || a == "" {
		return "", false
	}
	return a, true
}

// Interrupt tells the shell that SIGINT reached nsh (Main's handler):
// a trap on INT runs at the next command; without one, the script stops.
func (sh *Shell) Interrupt() {
	if _, ok := sh.traps.action("INT"); ok {
		sh.traps.pending.Or(1 << uint(unix.SIGINT))
		return
	}
	sh.pending.Store(true)
}

// checkpoint runs between commands: the traps of signals that arrived,
// and the end of a script that Ctrl-C interrupted.
func (sh *Shell) checkpoint() error {
	if p := sh.traps.pending.Load(); p != 0 && !sh.inTrap {
		sh.traps.pending.Store(0)
		for s := 1; s < 64; s++ {
			if p&(1<<uint(s)) == 0 {
				continue
			}
			name := strings.TrimPrefix(unix.SignalName(unix.Signal(s)), "SIG")
			if err := sh.runTrap(name); err != nil {
				return err
			}
		}
	}
	if !sh.interactive && sh.stopped(nil) {
		return command.Interrupted{}
	}
	if sh.abort != nil {
		if st := sh.abort(); st != 0 {
			return &stopError{status: st}
		}
	}
	return nil
}

// chainAbort is an abort that says stop when mine or outer does.
func chainAbort(outer, mine func() int) func() int {
	if outer == nil {
		return mine
	}
	return func() int {
		if st := mine(); st != 0 {
			return st
		}
		return outer()
	}
}

// runTrap runs cond's action, if any, keeping $? as it was (POSIX); exit
// in it ends the shell.
func (sh *Shell) runTrap(cond string) error {
	action, ok := sh.traps.action(cond)
	if !ok || sh.inTrap {
		return nil
	}
	sh.inTrap = true
	defer func() { sh.inTrap = false }()
	last := sh.last
	f, err := sh.parse(strings.NewReader(action), "trap")
	if err != nil {
		sh.errorf("trap %s: %v", cond, err)
		return nil
	}
	err = sh.stmts(f.Stmts)
	var er *command.ExitRequest
	if errors.As(err, &er) {
		return err
	}
	sh.last = last
	return nil
}

// runExitTrap runs the EXIT trap once, as the shell ends; it reports
// whether one ran (its exit changes the status).
func (sh *Shell) runExitTrap() bool {
	action, ok := sh.traps.action("EXIT")
	if !ok {
		return false
	}
	sh.traps.mu.Lock()
	delete(sh.traps.actions, "EXIT")
	sh.traps.mu.Unlock()
	f, err := sh.parse(strings.NewReader(action), "trap")
	if err != nil {
		sh.errorf("trap EXIT: %v", err)
		return false
	}
	last := sh.last
	sh.inTrap = true
	err = sh.stmts(f.Stmts)
	sh.inTrap = false
	var er *command.ExitRequest
	if errors.As(err, &er) && !er.Bare {
		sh.last = er.Code
		return true
	}
	sh.last = last
	return true
}

// awaitOwnSignal waits a moment, after kill sent nsh a signal it traps
// (kill -TERM $$), for the signal to arrive: its trap then runs before the
// next command, as in sh, whose handler runs in its one thread.
func (sh *Shell) awaitOwnSignal(args []string) {
	t := sh.traps
	if t.notify == nil {
		return
	}
	self := strconv.Itoa(os.Getpid())
	for _, a := range args[1:] {
		if a == self || a == "0" {
			for i := 0; i < 200 && t.pending.Load() == 0; i++ {
				time.Sleep(time.Millisecond)
			}
			return
		}
	}
}
