package jobs

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// Jobs is the shell's job table and, when nsh runs on a terminal, its job
// control: each job gets its own process group, and the foreground one
// owns the terminal (tcsetpgrp) so that Ctrl-C and Ctrl-Z reach it and
// never nsh.
//
// nsh reaps its children itself with wait4(WUNTRACED|WCONTINUED), one
// goroutine per process, so it sees programs stop and continue and no
// zombie is left behind.
type Jobs struct {
	mu    sync.Mutex
	cond  *sync.Cond
	list  []*Job
	seq   int // for the current (+) and previous (-) job
	tty   int // terminal fd, -1 without job control
	pgid  int // nsh's own process group
	modes *unix.Termios
	intr  bool   // Ctrl-C while a builtin waits (wait)
	gone  []*Job // the last finished jobs reported and dropped: wait PID

	// Describe tells where a job runs when it was made without saying
	// (a foreground job that stops): Where of the context. Computing it
	// only then keeps it off the path of every command.
	Describe func() string
}

// NewJobs makes a job table; tty is the terminal's fd for job control or
// -1 for none (scripts: programs stay in nsh's process group, so Ctrl-C
// reaches all of them at once).
func NewJobs(tty int) *Jobs {
	js := &Jobs{tty: tty, pgid: unix.Getpgrp()}
	js.cond = sync.NewCond(&js.mu)
	return js
}

// Sub is a table of its own for a subshell, on the same terminal: a
// subshell's wait waits for its own jobs, never for the job it runs in.
func (js *Jobs) Sub() *Jobs {
	sub := NewJobs(js.tty)
	sub.pgid, sub.Describe = js.pgid, js.Describe
	return sub
}

// Job is a pipeline started by the shell: its stages (builtins run as
// goroutines, programs as processes) and where it was started.
type Job struct {
	ID    int    // in the table; 0 while it is not there
	Text  string // the command line
	Where string // the context it was started in

	js        *Jobs
	fg        bool
	pgid      int // job control: the job's process group
	stages    int // stages still running
	procs     []*proc
	result    error // the last stage's
	seq       int
	shownStop bool // its stop was reported (a background job read the terminal)
	startMu   sync.Mutex
	modes     *unix.Termios // terminal modes saved when it stopped
	launched  chan struct{} // closed once a process started or it finished
	once      sync.Once
	id        int // its pid while it has no process (see jobIDs)
	// OnSignal, if set, is told of a signal sent to the job: the part of
	// it that runs in nsh (builtins, loops) stops at its next command.
	OnSignal func(sig unix.Signal)
	watchers map[*func(unix.Signal)]bool // Watch; guarded by js.mu
}

type procState int

const (
	running procState = iota
	stopped
	exited
)

type proc struct {
	pid   int
	state procState
	ws    unix.WaitStatus
	err   error
}

// NewJob makes a job; it joins the table only when it goes to the
// background or stops.
func (js *Jobs) NewJob(text, where string, fg bool) *Job {
	return &Job{js: js, Text: text, Where: where, fg: fg, launched: make(chan struct{}), id: int(jobIDs.Add(1))}
}

// jobIDs number the jobs that have no process of their own (a loop of
// builtins in the background, a plugin call) so that $!, kill and wait
// can name them: above any pid the kernel hands out (pid_max is at most
// 2^22), so they never name another process.
var jobIDs atomic.Int64

func init() { jobIDs.Store(1 << 22) }

// IsJobID reports whether pid is one of those numbers.
func IsJobID(pid int) bool { return pid > 1<<22 }

func (j *Job) launch() { j.once.Do(func() { close(j.launched) }) }

// Launch says the job is under way though it has started no process yet
// (it runs a builtin first): Launched returns, and its pid is its id.
func (j *Job) Launch() { j.launch() }

// Watch tells fn of each signal sent to the job (but SIGCONT) until stop
// is called: a stage that runs no process, such as a plugin call, ends
// its own work on kill %N.
func (j *Job) Watch(fn func(sig unix.Signal)) (stop func()) {
	j.js.mu.Lock()
	defer j.js.mu.Unlock()
	if j.watchers == nil {
		j.watchers = map[*func(unix.Signal)]bool{}
	}
	j.watchers[&fn] = true
	return func() {
		j.js.mu.Lock()
		delete(j.watchers, &fn)
		j.js.mu.Unlock()
	}
}

// InForeground reports whether the job owns the shell's attention: it was
// started in the foreground or brought there by fg.
func (j *Job) InForeground() bool {
	j.js.mu.Lock()
	defer j.js.mu.Unlock()
	return j.fg
}

// Launched waits until the job has started its first process, or has
// finished without one: a background job is then real enough to be
// listed with a pid, signalled and waited for.
func (j *Job) Launched() { <-j.launched }

// Go runs one stage of the job on its own goroutine. The job's status is
// that of the stage marked last.
func (j *Job) Go(last bool, fn func() error) {
	js := j.js
	js.mu.Lock()
	j.stages++
	js.mu.Unlock()
	go func() {
		err := fn()
		js.mu.Lock()
		j.stages--
		if last {
			j.result = err
		}
		if j.stages == 0 {
			j.launch()
		}
		js.cond.Broadcast()
		js.mu.Unlock()
	}()
}

// start forks cmd into the context as a process of the job. With job
// control the first process founds the job's process group and, for a
// foreground job, takes the terminal before it execs. With reap, a
// goroutine follows the process; otherwise the caller waits for it.
func (j *Job) start(ctx command.Starter, snap *nsctx.Snapshot, cmd *exec.Cmd, reap bool) (*proc, error) {
	js := j.js
	j.startMu.Lock()
	defer j.startMu.Unlock()
	var pid int
	if js.tty >= 0 {
		js.mu.Lock()
		pgid, fg := j.pgid, j.fg
		js.mu.Unlock()
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgid, Foreground: fg, Ctty: js.tty}
		var err error
		pid, err = ctx.SpawnIn(snap, cmd)
		if err != nil && pgid != 0 && errors.Is(err, nsfs.ErrPermission) {
			// The group's processes have all exited already (true | sleep):
			// this one founds a new group for the job.
			retry := &exec.Cmd{Path: cmd.Path, Args: cmd.Args, Env: cmd.Env, Stdin: cmd.Stdin, Stdout: cmd.Stdout, Stderr: cmd.Stderr, ExtraFiles: cmd.ExtraFiles}
			retry.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Foreground: fg, Ctty: js.tty}
			pgid = 0
			pid, err = ctx.SpawnIn(snap, retry)
		}
		if err != nil {
			return nil, err
		}
		if pgid == 0 {
			js.mu.Lock()
			j.pgid = pid
			js.mu.Unlock()
		}
	} else {
		var err error
		if pid, err = ctx.SpawnIn(snap, cmd); err != nil {
			return nil, err
		}
	}
	p := &proc{pid: pid}
	js.mu.Lock()
	j.procs = append(j.procs, p)
	js.mu.Unlock()
	j.launch()
	if reap {
		go js.reap(p)
	}
	return p, nil
}

// reap follows one process until it exits, and reaps it.
func (js *Jobs) reap(p *proc) {
	for {
		var ws unix.WaitStatus
		_, err := unix.Wait4(p.pid, &ws, unix.WUNTRACED|unix.WCONTINUED, nil)
		if err == unix.EINTR {
			continue
		}
		js.mu.Lock()
		switch {
		case err != nil:
			p.state, p.err = exited, err
		case ws.Stopped():
			p.state, p.ws = stopped, ws
		case ws.Continued():
			p.state = running
		default:
			p.state, p.ws = exited, ws
		}
		st := p.state
		js.cond.Broadcast()
		js.mu.Unlock()
		if st == exited {
			return
		}
	}
}

// waitExit waits until p has exited and returns its status.
func (j *Job) waitExit(p *proc) error {
	js := j.js
	js.mu.Lock()
	for p.state != exited {
		js.cond.Wait()
	}
	js.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	return waitStatus(p.ws)
}

// finished and stopped need js.mu.
func (j *Job) finished() bool { return j.stages == 0 }

func (j *Job) stopped() bool {
	any := false
	for _, p := range j.procs {
		switch p.state {
		case running:
			return false
		case stopped:
			any = true
		}
	}
	return any && !j.finished()
}

// Stopped reports whether the job is stopped.
func (j *Job) Stopped() bool {
	j.js.mu.Lock()
	defer j.js.mu.Unlock()
	return j.stopped()
}

// Pid is the job's process group, or its first process (0 if none).
func (j *Job) Pid() int { return j.leaderPid() }

// stopSignal is the signal that stopped the job (SIGTSTP for Ctrl-Z,
// SIGTTIN for a background read); needs js.mu.
func (j *Job) stopSignal() unix.Signal {
	for _, p := range j.procs {
		if p.state == stopped {
			return p.ws.StopSignal()
		}
	}
	return unix.SIGTSTP
}

func (j *Job) leaderPid() int {
	j.js.mu.Lock()
	defer j.js.mu.Unlock()
	return j.leader()
}

// SaveModes remembers nsh's terminal modes, to restore them after a
// foreground job (a full-screen program may leave the terminal raw).
func (js *Jobs) SaveModes() {
	if js.tty < 0 {
		return
	}
	if t, err := unix.IoctlGetTermios(js.tty, unix.TCGETS); err == nil {
		js.modes = t
	}
}

// Foreground waits for a foreground job to finish or stop, then takes
// the terminal back. A stopped job goes into the table.
func (js *Jobs) Foreground(j *Job, w io.Writer) error {
	js.mu.Lock()
	for !j.finished() && !j.stopped() {
		js.cond.Wait()
	}
	done := j.finished()
	js.mu.Unlock()
	js.takeTerminal(j, !done)
	if done {
		js.remove(j)
		return j.result
	}
	js.mu.Lock()
	j.fg = false
	j.shownStop = true // reported just below
	js.mu.Unlock()
	js.Add(j)
	fmt.Fprintf(w, "\n[%d]+  Stopped                 %s\n", j.ID, j.Text)
	return command.ExitStatus(128 + int(unix.SIGTSTP))
}

// takeTerminal gives the terminal back to nsh and restores its modes.
func (js *Jobs) takeTerminal(j *Job, stopped bool) {
	if js.tty < 0 {
		return
	}
	if stopped {
		if t, err := unix.IoctlGetTermios(js.tty, unix.TCGETS); err == nil {
			j.modes = t
		}
	}
	// nsh is in the background now: tcsetpgrp would stop it with SIGTTOU
	// unless the signal is ignored, as elvish and bash do. Ignore it just
	// for these calls, since an ignored signal stays ignored in the
	// programs nsh forks.
	signal.Ignore(unix.SIGTTOU)
	defer signal.Reset(unix.SIGTTOU)
	unix.IoctlSetPointerInt(js.tty, unix.TIOCSPGRP, js.pgid)
	if js.modes != nil {
		unix.IoctlSetTermios(js.tty, unix.TCSETSW, js.modes)
	}
}

// Add puts a job into the table (background or stopped) and makes it the
// current one.
func (js *Jobs) Add(j *Job) {
	if j.Where == "" && js.Describe != nil {
		j.Where = js.Describe()
	}
	js.mu.Lock()
	defer js.mu.Unlock()
	js.seq++
	j.seq = js.seq
	if j.ID != 0 {
		return
	}
	max := 0
	for _, o := range js.list {
		if o.ID > max {
			max = o.ID
		}
	}
	j.ID = max + 1
	js.list = append(js.list, j)
}

func (js *Jobs) remove(j *Job) {
	js.mu.Lock()
	defer js.mu.Unlock()
	for i, o := range js.list {
		if o == j {
			js.list = append(js.list[:i], js.list[i+1:]...)
			return
		}
	}
}

// current returns the current (+) and previous (-) jobs; needs js.mu.
func (js *Jobs) current() (cur, prev *Job) {
	for _, j := range js.list {
		if cur == nil || j.seq > cur.seq {
			cur, prev = j, cur
		} else if prev == nil || j.seq > prev.seq {
			prev = j
		}
	}
	return
}

// Lookup finds a job by %N, %%, %+, %-, %PREFIX or the pid of one of its
// processes.
func (js *Jobs) Lookup(spec string) (*Job, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	cur, prev := js.current()
	if !strings.HasPrefix(spec, "%") {
		pid, err := strconv.Atoi(spec)
		if err != nil {
			return nil, fmt.Errorf("%s: not a job (%%N) or a pid", spec)
		}
		for _, list := range [][]*Job{js.list, js.gone} {
			for _, j := range list {
				if j.id == pid {
					return j, nil
				}
				for _, p := range j.procs {
					if p.pid == pid {
						return j, nil
					}
				}
			}
		}
		return nil, fmt.Errorf("%d: no such job", pid)
	}
	var found *Job
	switch s := spec[1:]; {
	case s == "" || s == "%" || s == "+":
		found = cur
	case s == "-":
		found = prev
	default:
		if n, err := strconv.Atoi(s); err == nil {
			for _, j := range js.list {
				if j.ID == n {
					found = j
				}
			}
			break
		}
		for _, j := range js.list {
			if strings.HasPrefix(j.Text, s) {
				if found != nil {
					return nil, fmt.Errorf("%s: ambiguous job", spec)
				}
				found = j
			}
		}
	}
	if found == nil {
		if len(js.list) == 0 {
			return nil, fmt.Errorf("%s: no such job (there are no jobs)", spec)
		}
		return nil, fmt.Errorf("%s: no such job (jobs lists them)", spec)
	}
	return found, nil
}

// state names a job's state for listings; needs js.mu.
func (j *Job) state() string {
	switch {
	case j.finished():
		var se *command.SignalError
		switch {
		case j.result == nil:
			return "Done"
		case errors.As(j.result, &se):
			return "Killed (" + unix.SignalName(se.Sig) + ")"
		}
		return fmt.Sprintf("Exit %d", command.Status(j.result))
	case j.stopped():
		return "Stopped"
	}
	return "Running"
}

// List writes the table as jobs does: [N]+ State  command  (context).
// Finished jobs are shown once and leave the table.
func (js *Jobs) List(w io.Writer, pids bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.listLocked(w, pids, false)
}

func (js *Jobs) listLocked(w io.Writer, pids, onlyDone bool) {
	cur, prev := js.current()
	keep := js.list[:0]
	for _, j := range js.list {
		done := j.finished()
		newStop := j.stopped() && !j.shownStop
		if j.stopped() {
			j.shownStop = true
		}
		if onlyDone && !done && !newStop {
			keep = append(keep, j)
			continue
		}
		mark := " "
		switch j {
		case cur:
			mark = "+"
		case prev:
			mark = "-"
		}
		pid := ""
		if pids {
			pid = fmt.Sprintf("%d ", j.leader())
		}
		fmt.Fprintf(w, "[%d]%s  %s%-8s  %s   (%s)\n", j.ID, mark, pid, j.state(), j.Text, j.Where)
		if !done {
			keep = append(keep, j)
		} else {
			js.remember(j)
		}
	}
	js.list = keep
}

// remember keeps a reported job for 'wait PID', as POSIX wants a shell to
// (bash keeps as many as CHILD_MAX); the oldest go. Needs js.mu.
func (js *Jobs) remember(j *Job) {
	const keep = 64
	if len(js.gone) == keep {
		js.gone = append(js.gone[:0], js.gone[1:]...)
	}
	js.gone = append(js.gone, j)
}

// leader is the job's pid as $!, jobs -l, kill and wait know it: its
// process group's, its first process's, or for a job with no process (a
// plugin call) its id. Needs js.mu.
func (j *Job) leader() int {
	if j.pgid != 0 {
		return j.pgid
	}
	if len(j.procs) > 0 {
		return j.procs[0].pid
	}
	return j.id
}

// Report prints the background jobs that finished since the last call
// and drops them from the table: bash's "[1]+ Done" before a prompt.
func (js *Jobs) Report(w io.Writer) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.listLocked(w, false, true)
}

// Active counts the jobs still running and stopped, for the warning on
// exit.
func (js *Jobs) Active() (running, stoppedN int) {
	js.mu.Lock()
	defer js.mu.Unlock()
	for _, j := range js.list {
		switch {
		case j.finished():
		case j.stopped():
			stoppedN++
		default:
			running++
		}
	}
	return
}

// HangUp sends SIGHUP and SIGCONT to stopped jobs as nsh leaves, so they
// do not stay stopped for ever.
func (js *Jobs) HangUp() {
	js.mu.Lock()
	var sigs []*Job
	for _, j := range js.list {
		if j.stopped() {
			sigs = append(sigs, j)
		}
	}
	js.mu.Unlock()
	for _, j := range sigs {
		js.Signal(j, unix.SIGHUP)
		js.Signal(j, unix.SIGCONT)
	}
}

var (
	errNoProcess  = errors.New("the job has no running process")
	errCannotStop = errors.New("the job runs no process that can stop (a plugin call, builtins): end it with kill %N")
)

// stops reports whether sig stops a process.
func stops(sig unix.Signal) bool {
	return sig == unix.SIGSTOP || sig == unix.SIGTSTP || sig == unix.SIGTTIN || sig == unix.SIGTTOU
}

// Signal sends sig to every process of the job (its process group under
// job control, so that their children get it too).
func (js *Jobs) Signal(j *Job, sig unix.Signal) error {
	js.mu.Lock()
	pgid := j.pgid
	var pids []int
	if sig == unix.SIGCONT {
		j.shownStop = false
	}
	for _, p := range j.procs {
		if sig == unix.SIGCONT && p.state == stopped {
			// Running from now on, so that a wait right after this does
			// not see the old stop before the reaper sees SIGCONT.
			p.state = running
		}
		if p.state != exited {
			pids = append(pids, p.pid)
		}
	}
	onSignal, done := j.OnSignal, j.finished()
	var watchers []func(unix.Signal)
	for fn := range j.watchers {
		watchers = append(watchers, *fn)
	}
	js.mu.Unlock()
	if onSignal != nil && !done && sig != unix.SIGCONT && sig != 0 {
		onSignal(sig)
	}
	if sig != unix.SIGCONT && sig != 0 {
		for _, fn := range watchers {
			fn(sig)
		}
	}
	if pgid != 0 {
		return unix.Kill(-pgid, sig)
	}
	if len(pids) == 0 {
		if (onSignal != nil || len(watchers) > 0) && !done {
			if stops(sig) {
				return errCannotStop
			}
			return nil
		}
		return errNoProcess
	}
	var first error
	for _, pid := range pids {
		if err := unix.Kill(pid, sig); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Continue resumes a job, in the foreground (fg) or the background (bg).
func (js *Jobs) Continue(j *Job, fg bool, w io.Writer) error {
	js.mu.Lock()
	if j.finished() {
		// Nothing left to continue: fg gives its status, bg nothing.
		js.mu.Unlock()
		if fg {
			js.remove(j)
			return j.result
		}
		return nil
	}
	j.fg = fg
	// As bash shows it: with & while in the background, without after fg.
	if text := strings.TrimSuffix(j.Text, " &"); fg {
		j.Text = text
	} else {
		j.Text = text + " &"
	}
	js.seq++
	j.seq = js.seq
	pgid, modes := j.pgid, j.modes
	js.mu.Unlock()
	if fg && js.tty >= 0 && pgid != 0 {
		js.SaveModes()
		if modes != nil {
			unix.IoctlSetTermios(js.tty, unix.TCSETSW, modes)
		}
		unix.IoctlSetPointerInt(js.tty, unix.TIOCSPGRP, pgid)
	}
	if err := js.Signal(j, unix.SIGCONT); err != nil && !errors.Is(err, unix.ESRCH) && err != errNoProcess {
		return err
	}
	if !fg {
		return nil
	}
	return js.Foreground(j, w)
}

// Wait waits for a job to finish (or stop) and returns its status; Ctrl-C
// ends the wait.
func (js *Jobs) Wait(j *Job) error {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.intr = false
	for !j.finished() && !j.stopped() && !js.intr {
		js.cond.Wait()
	}
	if js.intr {
		return command.ExitStatus(130)
	}
	if j.stopped() {
		return command.ExitStatus(128 + int(j.stopSignal()))
	}
	for i, o := range js.list {
		if o == j {
			js.list = append(js.list[:i], js.list[i+1:]...)
			break
		}
	}
	return j.result
}

// Waitable returns the jobs in the table that are not stopped, for wait
// without operands (finished ones too: waiting reaps them from the table).
func (js *Jobs) Waitable() []*Job {
	js.mu.Lock()
	defer js.mu.Unlock()
	var out []*Job
	for _, j := range js.list {
		if !j.stopped() {
			out = append(out, j)
		}
	}
	return out
}

// Interrupt wakes a builtin waiting for jobs (Ctrl-C during wait).
func (js *Jobs) Interrupt() {
	js.mu.Lock()
	js.intr = true
	js.cond.Broadcast()
	js.mu.Unlock()
}

// IDs lists the job numbers, for completion.
func (js *Jobs) IDs() []int {
	js.mu.Lock()
	defer js.mu.Unlock()
	var ids []int
	for _, j := range js.list {
		ids = append(ids, j.ID)
	}
	return ids
}
