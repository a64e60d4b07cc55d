package nsinfo

import (
	"bytes"
	"errors"
	"strconv"
	"sync"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// proc is what one /proc/PID says.
type proc struct {
	pid, ppid, uid int
	comm           string
	kthread        bool
	threads        int
	// ns[k][0] is the process's own namespace of kind k; more entries are
	// namespaces only some of its threads are in, with the thread's id.
	ns  [nsfs.NumKinds][]member
	fds []heldFd
	// kids are pid and time namespaces a thread's children would get
	// (KIND_for_children) where those differ from its own: after
	// unshare(CLONE_NEWPID or CLONE_NEWTIME) and before any fork, nothing
	// else holds them.
	kids []heldKid
	// own backs the one-entry ns slices of a single-threaded process:
	// one allocation per process instead of one per kind.
	own [nsfs.NumKinds]member
}

type member struct {
	id  nsfs.ID
	tid int // 0: the process itself
}

type heldKid struct {
	kind nsfs.Kind
	id   nsfs.ID
	tid  int // 0: the process itself
}

// kidFile are the KIND_for_children links, for the kinds that have one.
var kidFile = map[nsfs.Kind]string{nsfs.PID: "ns/pid_for_children", nsfs.Time: "ns/time_for_children"}

// readKids reads the KIND_for_children links of a thread (prefix ""
// for the process itself, "task/TID/") and keeps those that differ from
// the thread's own namespace of that kind.
func (r *reader) readKids(dir int, prefix string, tid int, own *[nsfs.NumKinds]member, p *proc) {
	for k, name := range kidFile {
		if !r.want[k] {
			continue
		}
		ino, err := r.nsIno(dir, prefix+name)
		if err != nil {
			continue
		}
		if id := (nsfs.ID{Dev: r.nsfsDev, Ino: ino}); id != own[k].id {
			p.kids = append(p.kids, heldKid{k, id, tid})
		}
	}
}

type heldFd struct {
	kind nsfs.Kind
	ino  uint64
	fd   int
}

type procState int

const (
	procOK procState = iota
	procGone
	procUnreadable
)

// reader holds one worker's buffers.
type reader struct {
	want    [nsfs.NumKinds]bool
	fds     bool
	nsfsDev uint64
	// pins are the nsfs mounts at home: an fd opened through one has the
	// pin's path as its link.
	pins  *pinSet
	buf   []byte
	dents []byte
	pbuf  []byte // NUL-terminated paths
}

func newReader(want [nsfs.NumKinds]bool, fds bool, nsfsDev uint64, pins *pinSet) *reader {
	return &reader{want: want, fds: fds, nsfsDev: nsfsDev, pins: pins,
		buf: make([]byte, 4096), dents: make([]byte, 8192), pbuf: make([]byte, 0, 64)}
}

var nsFile = func() (n [nsfs.NumKinds]string) {
	for _, k := range nsfs.Kinds() {
		n[k] = "ns/" + k.String()
	}
	return
}()

func gone(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH)
}

// read reads /proc/PID. A process that vanishes halfway is procGone.
func (r *reader) read(pid int) (*proc, procState) {
	dir, err := rawOpenat(unix.AT_FDCWD, "/proc/"+strconv.Itoa(pid), unix.O_PATH|unix.O_DIRECTORY, r.pbuf)
	if err != nil {
		if gone(err) {
			return nil, procGone
		}
		return nil, procUnreadable
	}
	defer rawClose(dir)
	p := &proc{pid: pid}
	var st unix.Stat_t
	// Read through the open directory: cheaper than looking up
	// /proc/PID again later for the namespaces' first processes.
	if err := rawFstat(dir, &st); err != nil {
		return nil, procGone
	}
	p.uid = int(st.Uid)
	if s := r.readStat(dir, p); s != procOK {
		return nil, s
	}
	for _, k := range nsfs.Kinds() {
		if !r.want[k] {
			continue
		}
		ino, err := r.nsIno(dir, nsFile[k])
		if err != nil {
			// ENOENT: it exited, or is a zombie (no namespaces left).
			if gone(err) {
				return nil, procGone
			}
			return nil, procUnreadable
		}
		p.own[k] = member{id: nsfs.ID{Dev: r.nsfsDev, Ino: ino}}
		p.ns[k] = p.own[k : k+1 : k+1] // an append copies
	}
	if !p.kthread {
		r.readKids(dir, "", 0, &p.own, p)
	}
	// Kernel threads hold no fds and share their namespaces.
	if p.threads > 1 && !p.kthread {
		r.readThreads(dir, p)
	}
	if r.fds && !p.kthread {
		r.readFds(dir, p)
	}
	return p, procOK
}

var errBadLink = errors.New("not a namespace link")

// nsIno reads the inode of a namespace link (name, below dir). It reads the
// link rather than stat it: the link text "KIND:[INODE]" comes from the
// namespace's number alone, while stat follows the link, which makes (and
// on the last put frees) an nsfs dentry and inode for every namespace that
// no pin or open fd holds: that was a fifth of the whole scan. All
// namespaces are on the one nsfs, so the inode with its device is the id.
func (r *reader) nsIno(dir int, name string) (uint64, error) {
	n, err := rawReadlinkat(dir, name, r.buf, r.pbuf)
	if err != nil {
		return 0, err
	}
	_, ino, ok := parseNsLink(r.buf[:n])
	if !ok {
		return 0, errBadLink
	}
	return ino, nil
}

// parseNsLink splits a namespace link, "KIND:[INODE]".
func parseNsLink(b []byte) (kind []byte, ino uint64, ok bool) {
	if len(b) < 5 || b[len(b)-1] != ']' {
		return nil, 0, false
	}
	kind, num, ok := bytes.Cut(b[:len(b)-1], []byte(":["))
	if !ok || len(num) == 0 {
		return nil, 0, false
	}
	ino = atou(num)
	return kind, ino, ino != 0
}

// readStat takes comm, ppid and the thread count from /proc/PID/stat.
func (r *reader) readStat(dir int, p *proc) procState {
	fd, err := rawOpenat(dir, "stat", unix.O_RDONLY, r.pbuf)
	if err != nil {
		if gone(err) {
			return procGone
		}
		return procUnreadable
	}
	n, err := rawRead(fd, r.buf)
	rawClose(fd)
	if err != nil || n <= 0 {
		return procGone
	}
	var ok bool
	if p.comm, p.ppid, p.threads, p.kthread, ok = parseStat(r.buf[:n]); !ok {
		return procGone // a zombie is in no namespace any more
	}
	return procOK
}

// parseStat reads comm, ppid, the thread count and whether it is a kernel
// thread from /proc/PID/stat; it reports false for a zombie or a line it
// cannot read.
func parseStat(b []byte) (comm string, ppid, threads int, kthread, ok bool) {
	lp, rp := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if lp < 0 || rp < lp {
		return "", 0, 0, false, false
	}
	// After "comm) ": state ppid pgrp session tty tpgid flags minflt
	// cminflt majflt cmajflt utime stime cutime cstime priority nice
	// num_threads ... Fields are split by hand: bytes.Fields and the
	// string conversions allocated ~50 values per process.
	var f [18][]byte
	n := 0
	for rest := b[rp+1:]; n < len(f); n++ {
		rest = bytes.TrimLeft(rest, " ")
		end := bytes.IndexByte(rest, ' ')
		if end < 0 {
			end = len(rest)
		}
		if end == 0 {
			break
		}
		f[n], rest = rest[:end], rest[end:]
	}
	if n < len(f) || f[0][0] == 'Z' || f[0][0] == 'X' {
		return "", 0, 0, false, false
	}
	const pfKthread = 0x00200000
	return string(b[lp+1 : rp]), int(atou(f[1])), int(atou(f[17])), atou(f[6])&pfKthread != 0, true
}

// atou reads a decimal number (0 if it is not one; a stat field with a
// sign, such as nice, is not read here).
func atou(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + uint64(c-'0')
	}
	return n
}

// readThreads finds namespaces that only some threads are in (such as nsh's
// own context thread). Threads that exit meanwhile are skipped.
func (r *reader) readThreads(dir int, p *proc) {
	tids, err := r.readNames(dir, "task")
	if err != nil {
		return
	}
	for _, name := range tids {
		tid, err := strconv.Atoi(name)
		if err != nil || tid == p.pid {
			continue
		}
		var own [nsfs.NumKinds]member
		for _, k := range nsfs.Kinds() {
			if !r.want[k] {
				continue
			}
			ino, err := r.nsIno(dir, "task/"+name+"/"+nsFile[k])
			if err != nil {
				continue
			}
			id := nsfs.ID{Dev: r.nsfsDev, Ino: ino}
			own[k] = member{id: id}
			if !hasID(p.ns[k], id) {
				p.ns[k] = append(p.ns[k], member{id: id, tid: tid})
			}
		}
		r.readKids(dir, "task/"+name+"/", tid, &own, p)
	}
}

func hasID(ms []member, id nsfs.ID) bool {
	for _, m := range ms {
		if m.id == id {
			return true
		}
	}
	return false
}

// readFds finds namespace files a process holds open: their links read
// "KIND:[INODE]".
func (r *reader) readFds(dir int, p *proc) {
	// Since Linux 6.2 the size of /proc/PID/fd is the number of open fds.
	// Then the fds are read by number, lowest first, which spares listing
	// the directory (the kernel makes a dentry for every entry listed).
	var st unix.Stat_t
	if rawFstatat(dir, "fd", &st, r.pbuf) != nil {
		return
	}
	limit := 0
	if count := int(st.Size); count > 0 {
		// A few holes are probed past; a sparse table is listed.
		found, misses := 0, 0
		for ; found < count && misses < 4; limit++ {
			if r.checkFd(dir, fdName(limit), limit, p) {
				found++
			} else {
				misses++
			}
		}
		if found == count {
			return
		}
	}
	// A sparse or unknown fd table: list it, skipping what was read.
	fdDir, err := rawOpenat(dir, "fd", unix.O_RDONLY|unix.O_DIRECTORY, r.pbuf)
	if err != nil {
		return
	}
	defer rawClose(fdDir)
	names, err := r.readNamesFd(fdDir)
	if err != nil {
		return
	}
	for _, name := range names {
		if fd, err := strconv.Atoi(name); err == nil && fd >= limit {
			r.checkFd(fdDir, name, fd, p)
		}
	}
}

// fdNames are "fd/N" for small N, made once: when a scan first needs
// them, not at every start of nsh.
var fdNames = sync.OnceValue(func() *[256]string {
	var n [256]string
	for i := range n {
		n[i] = "fd/" + strconv.Itoa(i)
	}
	return &n
})

func fdName(fd int) string {
	if n := fdNames(); fd < len(n) {
		return n[fd]
	}
	return "fd/" + strconv.Itoa(fd)
}

// checkFd reads the link of one fd (name, relative to base) and records it
// if it is a namespace. It reports whether the fd exists.
func (r *reader) checkFd(base int, name string, fd int, p *proc) bool {
	n, err := rawReadlinkat(base, name, r.buf, r.pbuf)
	if err != nil {
		return false
	}
	if n == 0 {
		return true
	}
	if r.buf[0] == '/' {
		// A namespace opened through a pin reads as the pin's path, or
		// "/" once the pin is gone. Other paths are not looked at: a
		// stat of every open file would double the cost.
		if n == 1 || r.pins.has(r.buf[:n]) {
			if f, ok := r.pathFd(base, name, fd); ok {
				p.fds = append(p.fds, f)
			}
		}
		return true
	}
	kindName, ino, ok := parseNsLink(r.buf[:n])
	if !ok {
		return true
	}
	if k, ok := kindByName(kindName); ok && r.want[k] {
		p.fds = append(p.fds, heldFd{kind: k, ino: ino, fd: fd})
	}
	return true
}

// pathFd checks whether an fd whose link is a path is a namespace.
func (r *reader) pathFd(base int, name string, fd int) (heldFd, bool) {
	var st unix.Stat_t
	if unix.Fstatat(base, name, &st, 0) != nil || st.Dev != r.nsfsDev {
		return heldFd{}, false
	}
	nfd, err := unix.Openat(base, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return heldFd{}, false
	}
	defer unix.Close(nfd)
	t, err := unix.IoctlRetInt(nfd, unix.NS_GET_NSTYPE)
	if err != nil {
		return heldFd{}, false
	}
	for _, k := range nsfs.Kinds() {
		if k.Flag() == t && r.want[k] {
			return heldFd{kind: k, ino: st.Ino, fd: fd}, true
		}
	}
	return heldFd{}, false
}

func kindByName(b []byte) (nsfs.Kind, bool) {
	for _, k := range nsfs.Kinds() {
		if string(b) == k.String() {
			return k, true
		}
	}
	return 0, false
}

// readNames lists a directory below dir.
func (r *reader) readNames(dir int, name string) ([]string, error) {
	fd, err := rawOpenat(dir, name, unix.O_RDONLY|unix.O_DIRECTORY, r.pbuf)
	if err != nil {
		return nil, err
	}
	defer rawClose(fd)
	return r.readNamesFd(fd)
}

// readNamesFd lists the directory open as fd with getdents directly: an
// os.File costs a dup, an fstat and a poller registration per directory.
func (r *reader) readNamesFd(fd int) ([]string, error) {
	var names []string
	for {
		n, err := rawGetdents(fd, r.dents)
		if err != nil {
			return names, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(r.dents[:n], -1, names)
		// Room left for another entry: the kernel had none (saves the
		// getdents call that would return 0).
		if n < len(r.dents)-512 {
			return names, nil
		}
	}
}

// cmdline is the command line of a process, as lsns shows it; a kernel
// thread (empty cmdline) shows its comm.
func cmdline(pid int, comm string, buf, pbuf []byte) string {
	fd, err := rawOpenat(unix.AT_FDCWD, "/proc/"+strconv.Itoa(pid)+"/cmdline", unix.O_RDONLY, pbuf)
	if err != nil {
		return comm
	}
	defer rawClose(fd)
	n, err := rawRead(fd, buf)
	if err != nil || n <= 0 {
		return comm
	}
	b := bytes.TrimRight(buf[:n], "\x00")
	return string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
}
