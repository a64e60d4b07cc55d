package nsinfo

import (
	"bytes"
	"fmt"
	"os"
	"os/user"
	"path"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// Options choose what Scan looks at.
type Options struct {
	Kinds []nsfs.Kind // none: every kind
	NoFds bool        // do not look for namespace fds held open
}

// Pin is an nsfs bind mount holding a namespace.
type Pin struct {
	Path  string // mount point, in its own mount namespace
	MntNS uint64 // inode of that mount namespace
	Via   int    // a process in that mount namespace; 0 for nsh's home one
}

// HostPath is a path to the pin that works from nsh's home mount namespace:
// the path itself, or /proc/PID/root/PATH for a pin in another one.
func (p Pin) HostPath() string {
	if p.Via == 0 {
		return p.Path
	}
	return "/proc/" + strconv.Itoa(p.Via) + "/root" + p.Path
}

// Task is a thread of a process; TID 0 is the process's main thread.
type Task struct {
	Kind     nsfs.Kind
	PID, TID int
}

// Path is the thread's KIND_for_children link, usable with setns and
// nsenter.
func (t Task) Path() string {
	tid := t.TID
	if tid == 0 {
		tid = t.PID
	}
	return "/proc/" + strconv.Itoa(t.PID) + "/task/" + strconv.Itoa(tid) + "/" + kidFile[t.Kind]
}

// Fd is a namespace file held open by a process.
type Fd struct{ PID, Fd int }

// Path is the /proc path of the fd, usable with setns and nsenter.
func (f Fd) Path() string { return "/proc/" + strconv.Itoa(f.PID) + "/fd/" + strconv.Itoa(f.Fd) }

// Netnsid values that are not ids.
const (
	NetnsIDUnassigned = -1 // the home network namespace has no id for it
	NetnsIDUnknown    = -2 // could not be asked (not net, or it went away)
)

// Namespace is one namespace and everything that holds it.
type Namespace struct {
	Kind nsfs.Kind
	ID   nsfs.ID
	// PIDs are the processes in it (any of their threads), ascending.
	PIDs []int
	// The lowest of PIDs, as lsns shows it; PID 0 and UID -1 without one.
	PID, PPID, UID int
	Comm           string
	Command        string // its command line
	User           string // name of UID
	Pins           []Pin
	Names          []string // ip netns names (pins in /run/netns)
	Fds            []Fd
	// ForChildren are threads whose next children would be in it
	// (pid and time only): /proc/PID/task/TID/ns/KIND_for_children.
	ForChildren   []Task
	NetnsID       int
	Owner, Parent nsfs.ID    // zero when unknown or none (the initial user namespace)
	Container     *Container // the container it belongs to (AttachContainers), or nil
	openPath      string     // a path Scan could open it by
}

// Snapshot is the result of one Scan.
type Snapshot struct {
	Namespaces []*Namespace // ascending by inode, as lsns sorts
	Unreadable []int        // processes whose namespaces could not be read
	byID       map[nsfs.ID]*Namespace
	ppid       map[int]int
	in         [nsfs.NumKinds]map[int]*Namespace // pid -> its own namespace
}

// Lookup finds a namespace of the snapshot.
func (s *Snapshot) Lookup(id nsfs.ID) *Namespace { return s.byID[id] }

// gc counts the scans running, so that overlapping scans give the GC back
// its setting only when the last one ends.
var gc struct {
	sync.Mutex
	scans   int
	percent int
}

// PauseGC turns the GC off until the returned function is called: a scan
// allocates a few MB at most and is over in milliseconds, and GC cycles in
// between only add thread wake-ups (and so waits for a CPU on a busy host).
// Scan pauses it itself; a caller that formats the snapshot right after
// may pause it around both (nested pauses are fine), or the collection
// held back during the scan starts while it writes.
func PauseGC() func() {
	gc.Lock()
	if gc.scans == 0 {
		gc.percent = debug.SetGCPercent(-1)
	}
	gc.scans++
	gc.Unlock()
	return func() {
		gc.Lock()
		if gc.scans--; gc.scans == 0 {
			debug.SetGCPercent(gc.percent)
		}
		gc.Unlock()
	}
}

// ProcessParent is the namespace of the same kind that the nearest ancestor
// of ns's first process is in, when that is another namespace: the
// relation lsns --tree=process draws. Nil for none.
func (s *Snapshot) ProcessParent(ns *Namespace) *Namespace {
	if ns.PID == 0 {
		return nil
	}
	seen := map[int]bool{}
	for p := ns.PPID; p > 0 && !seen[p]; p = s.ppid[p] {
		seen[p] = true
		if o := s.in[ns.Kind][p]; o != nil && o != ns {
			return o
		}
		if _, ok := s.ppid[p]; !ok {
			break
		}
	}
	return nil
}

// Scan lists the namespaces on the host. It runs on the calling goroutine's
// thread, which must be in nsh's home namespaces (any but the context's).
func Scan(opts Options) (*Snapshot, error) {
	defer PauseGC()()
	var want [nsfs.NumKinds]bool
	if len(opts.Kinds) == 0 {
		for i := range want {
			want[i] = true
		}
	}
	for _, k := range opts.Kinds {
		want[k] = true
	}
	read := want
	read[nsfs.Mnt] = true // where to read mountinfo for pins

	pins := readHomePins()
	pids, err := listPids()
	if err != nil {
		return nil, err
	}
	nsfsDev, err := homeNsfsDev()
	if err != nil {
		return nil, err
	}
	procs := make([]*proc, len(pids))
	states := make([]procState, len(pids))
	parallel(len(pids), func() func(int) {
		r := newReader(read, !opts.NoFds, nsfsDev, pins)
		return func(i int) { procs[i], states[i] = r.read(pids[i]) }
	})

	s := &Snapshot{byID: map[nsfs.ID]*Namespace{}, ppid: map[int]int{}}
	for k := range s.in {
		s.in[k] = map[int]*Namespace{}
	}
	get := func(k nsfs.Kind, id nsfs.ID) *Namespace {
		ns := s.byID[id]
		if ns == nil {
			ns = &Namespace{Kind: k, ID: id, UID: -1, NetnsID: NetnsIDUnknown}
			s.byID[id] = ns
		}
		return ns
	}
	mntOf := map[nsfs.ID]int{} // mount namespace -> lowest pid in it
	for i, p := range procs {
		switch states[i] {
		case procUnreadable:
			s.Unreadable = append(s.Unreadable, pids[i])
			continue
		case procGone:
			continue
		}
		s.ppid[p.pid] = p.ppid
		if m := p.ns[nsfs.Mnt]; len(m) > 0 {
			if _, ok := mntOf[m[0].id]; !ok {
				mntOf[m[0].id] = p.pid
			}
		}
		for k, ms := range p.ns {
			if !want[k] {
				continue
			}
			for _, m := range ms {
				ns := get(nsfs.Kind(k), m.id)
				ns.PIDs = append(ns.PIDs, p.pid)
				if m.tid == 0 {
					s.in[k][p.pid] = ns
				}
				if ns.PID == 0 {
					ns.PID, ns.PPID, ns.UID, ns.Comm = p.pid, p.ppid, p.uid, p.comm
					ns.openPath = procNsPath(p.pid, m.tid, nsfs.Kind(k))
				}
			}
		}
		for _, f := range p.fds {
			if !want[f.kind] {
				continue
			}
			ns := get(f.kind, nsfs.ID{Dev: nsfsDev, Ino: f.ino})
			ns.Fds = append(ns.Fds, Fd{PID: p.pid, Fd: f.fd})
		}
		for _, c := range p.kids {
			ns := get(c.kind, c.id)
			ns.ForChildren = append(ns.ForChildren, Task{Kind: c.kind, PID: p.pid, TID: c.tid})
		}
	}
	s.addPins(want, pins.wait(), mntOf, get)
	hideOwnFds(s.byID)
	// Command lines are read while the relations are asked for: two
	// independent sets of syscalls, one wait instead of two.
	commandsRead := s.addCommands()
	s.addRelations(want, get)
	commandsRead()
	for _, ns := range s.byID {
		s.Namespaces = append(s.Namespaces, ns)
	}
	sort.Slice(s.Namespaces, func(i, j int) bool {
		a, b := s.Namespaces[i], s.Namespaces[j]
		if a.ID.Ino != b.ID.Ino {
			return a.ID.Ino < b.ID.Ino
		}
		return a.ID.Dev < b.ID.Dev
	})
	return s, nil
}

// addCommands starts filling in command line and user of each namespace's
// first process, reading each process once, and returns a function that
// waits until that is done. Meanwhile s.byID may change: it is only read
// before addCommands returns.
func (s *Snapshot) addCommands() (wait func()) {
	byPid := map[int][]*Namespace{}
	var pids []int
	for _, ns := range s.byID {
		if ns.PID != 0 {
			if byPid[ns.PID] == nil {
				pids = append(pids, ns.PID)
			}
			byPid[ns.PID] = append(byPid[ns.PID], ns)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		cmds := make([]string, len(pids))
		parallel(len(pids), func() func(int) {
			buf, pbuf := make([]byte, 4096), make([]byte, 0, 64)
			return func(i int) { cmds[i] = cmdline(pids[i], byPid[pids[i]][0].Comm, buf, pbuf) }
		})
		users := map[int]string{}
		for i, pid := range pids {
			for _, ns := range byPid[pid] {
				ns.Command, ns.User = cmds[i], userName(users, ns.UID)
			}
		}
	}()
	return func() { <-done }
}

// hideOwnFds drops the caller's own fds (nsh's handles to its home and
// saved namespaces) from namespaces that something else holds too: they are
// bookkeeping, not news. A namespace only nsh holds keeps them.
func hideOwnFds(m map[nsfs.ID]*Namespace) {
	me := os.Getpid()
	for _, ns := range m {
		var other []Fd
		for _, f := range ns.Fds {
			if f.PID != me {
				other = append(other, f)
			}
		}
		if len(ns.PIDs) > 0 || len(ns.Pins) > 0 || len(ns.ForChildren) > 0 || len(other) > 0 {
			ns.Fds = other
		}
	}
}

func procNsPath(pid, tid int, k nsfs.Kind) string {
	if tid != 0 {
		return "/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(tid) + "/" + nsFile[k]
	}
	return "/proc/" + strconv.Itoa(pid) + "/" + nsFile[k]
}

func listPids() ([]int, error) {
	f, err := os.Open("/proc")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	pids := make([]int, 0, len(names))
	for _, n := range names {
		if n[0] < '0' || n[0] > '9' {
			continue
		}
		if pid, err := strconv.Atoi(n); err == nil {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	return pids, nil
}

// parallel runs job(i) for i in [0,n) on a few goroutines, the caller's
// among them (one fewer hand-off); each gets its own job function (and so
// its own buffers) from mk. Work is handed out in chunks of 16.
func parallel(n int, mk func() func(int)) {
	// More threads than CPUs: on a busy host each thread gets its own
	// share of CPU time.
	workers := min(2*runtime.GOMAXPROCS(0), (n+15)/16)
	var next atomic.Int64
	run := func() {
		job := mk()
		for {
			i := int(next.Add(16)) - 16
			if i >= n {
				return
			}
			for j := i; j < i+16 && j < n; j++ {
				job(j)
			}
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() { defer wg.Done(); run() }()
	}
	if n > 0 {
		run()
	}
	wg.Wait()
}

// homeNsfsDev is the device of nsfs: namespace links give only an inode.
func homeNsfsDev() (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		return 0, fmt.Errorf("finding nsfs: %w", err)
	}
	return st.Dev, nil
}

// pinSet is the nsfs mounts of nsh's home mount namespace, read on a
// goroutine of its own: with a thousand pins the mountinfo takes a few ms
// to make, which would otherwise hold back the reading of processes.
// Readers only need the pin paths for an fd whose link is a path.
type pinSet struct {
	ready  chan struct{}
	mounts []nsfsMount
	paths  map[string]bool
}

func readHomePins() *pinSet {
	ps := &pinSet{ready: make(chan struct{})}
	go func() {
		defer close(ps.ready)
		// Any thread but the context's is in the home mount namespace.
		ps.mounts = readNsfsMounts("/proc/thread-self/mountinfo")
		ps.paths = make(map[string]bool, len(ps.mounts))
		for _, m := range ps.mounts {
			ps.paths[m.Path] = true
		}
	}()
	return ps
}

// has reports whether path is a pin's mount point; nil is the empty set.
func (ps *pinSet) has(path []byte) bool {
	if ps == nil {
		return false
	}
	<-ps.ready
	return ps.paths[string(path)]
}

func (ps *pinSet) wait() []nsfsMount {
	<-ps.ready
	return ps.mounts
}

// nsfsMount is a pin line of a mountinfo file.
type nsfsMount struct {
	nsfs.Pin
	dev uint64
}

// readNsfsMounts reads the nsfs mounts of a mountinfo file.
func readNsfsMounts(file string) []nsfsMount {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil // the process exited
	}
	return parseNsfsMounts(b)
}

// parseNsfsMounts finds the nsfs mounts in the text of a mountinfo file.
func parseNsfsMounts(b []byte) []nsfsMount {
	var ms []nsfsMount
	// Only nsfs lines are parsed; the rest is skipped without copying.
	tag := []byte(" - nsfs ")
	for len(b) > 0 {
		i := bytes.Index(b, tag)
		if i < 0 {
			break
		}
		start := bytes.LastIndexByte(b[:i], '\n') + 1
		end := bytes.IndexByte(b[i:], '\n')
		if end < 0 {
			end = len(b) - i
		}
		line := string(b[start : i+end])
		b = b[i+end:]
		if p, ok := nsfs.ParsePin(line); ok {
			ms = append(ms, nsfsMount{p, mountDev(line)})
		}
	}
	return ms
}

// addPins adds the nsfs mounts of nsh's home mount namespace and of every
// other mount namespace a process is in. A pin seen in another mount
// namespace at the same path as at home (propagated there) is listed once.
func (s *Snapshot) addPins(want [nsfs.NumKinds]bool, home []nsfsMount, mntOf map[nsfs.ID]int, get func(nsfs.Kind, nsfs.ID) *Namespace) {
	var st unix.Stat_t
	if unix.Stat("/proc/thread-self/ns/mnt", &st) != nil {
		return
	}
	homeMnt := nsfs.ID{Dev: st.Dev, Ino: st.Ino}
	type key struct {
		id   nsfs.ID
		path string
	}
	seen := map[key]bool{}
	add := func(ms []nsfsMount, mnt nsfs.ID, via int) {
		for _, m := range ms {
			if !want[m.Kind] {
				continue
			}
			id := nsfs.ID{Dev: m.dev, Ino: m.Ino}
			if seen[key{id, m.Path}] {
				continue
			}
			seen[key{id, m.Path}] = true
			ns := get(m.Kind, id)
			pin := Pin{Path: m.Path, MntNS: mnt.Ino, Via: via}
			ns.Pins = append(ns.Pins, pin)
			if via == 0 && m.Kind == nsfs.Net && path.Dir(m.Path) == nsfs.NetnsDir {
				ns.Names = append(ns.Names, path.Base(m.Path))
			}
			if ns.openPath == "" {
				ns.openPath = pin.HostPath()
			}
		}
	}
	add(home, homeMnt, 0)
	// Other mount namespaces in a stable order: the lowest pid first.
	others := make([]nsfs.ID, 0, len(mntOf))
	for id := range mntOf {
		if id != homeMnt {
			others = append(others, id)
		}
	}
	sort.Slice(others, func(i, j int) bool { return mntOf[others[i]] < mntOf[others[j]] })
	for _, id := range others {
		pid := mntOf[id]
		add(readNsfsMounts("/proc/"+strconv.Itoa(pid)+"/mountinfo"), id, pid)
	}
}

// mountDev reads the MAJOR:MINOR field (the third) of a mountinfo line.
func mountDev(line string) uint64 {
	_, rest, _ := strings.Cut(line, " ")
	_, rest, _ = strings.Cut(rest, " ")
	dev, _, _ := strings.Cut(rest, " ")
	maj, min, ok := strings.Cut(dev, ":")
	if !ok {
		return 0
	}
	return unix.Mkdev(uint32(atou([]byte(maj))), uint32(atou([]byte(min))))
}

func userName(cache map[int]string, uid int) string {
	if n, ok := cache[uid]; ok {
		return n
	}
	n := strconv.Itoa(uid)
	if u, err := user.LookupId(n); err == nil {
		n = u.Username
	}
	cache[uid] = n
	return n
}
