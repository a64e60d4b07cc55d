package nsinfo

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/nsh-dev/nsh/nsctx"
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
	ns  [nsctx.NumKinds][]member
	fds []heldFd
}

type member struct {
	id  nsctx.ID
	tid int // 0: the process itself
}

type heldFd struct {
	kind nsctx.Kind
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
	want    [nsctx.NumKinds]bool
	fds     bool
	nsfsDev uint64
	// pins are the mount points of nsfs mounts at home: an fd opened
	// through one has the pin's path as its link.
	pins  map[string]bool
	buf   []byte
	dents []byte
	pbuf  []byte // NUL-terminated paths
}

func newReader(want [nsctx.NumKinds]bool, fds bool, pins map[string]bool) *reader {
	return &reader{want: want, fds: fds, nsfsDev: homeNsfsDev(), pins: pins,
		buf: make([]byte, 4096), dents: make([]byte, 8192), pbuf: make([]byte, 0, 64)}
}

var nsFile = func() (n [nsctx.NumKinds]string) {
	for _, k := range nsctx.Kinds() {
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
	for _, k := range nsctx.Kinds() {
		if !r.want[k] {
			continue
		}
		if err := rawFstatat(dir, nsFile[k], &st, r.pbuf); err != nil {
			// ENOENT: it exited, or is a zombie (no namespaces left).
			if gone(err) {
				return nil, procGone
			}
			return nil, procUnreadable
		}
		p.ns[k] = []member{{id: nsctx.ID{Dev: st.Dev, Ino: st.Ino}}}
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
	// num_threads ...
	f := bytes.Fields(b[rp+1:])
	if len(f) < 18 || f[0][0] == 'Z' || f[0][0] == 'X' {
		return "", 0, 0, false, false
	}
	ppid, _ = strconv.Atoi(string(f[1]))
	threads, _ = strconv.Atoi(string(f[17]))
	flags, _ := strconv.ParseUint(string(f[6]), 10, 64)
	const pfKthread = 0x00200000
	return string(b[lp+1 : rp]), ppid, threads, flags&pfKthread != 0, true
}

// readThreads finds namespaces that only some threads are in (such as nsh's
// own context thread). Threads that exit meanwhile are skipped.
func (r *reader) readThreads(dir int, p *proc) {
	tids, err := r.readNames(dir, "task")
	if err != nil {
		return
	}
	var st unix.Stat_t
	for _, name := range tids {
		tid, err := strconv.Atoi(name)
		if err != nil || tid == p.pid {
			continue
		}
		for _, k := range nsctx.Kinds() {
			if !r.want[k] {
				continue
			}
			if rawFstatat(dir, "task/"+name+"/"+nsFile[k], &st, r.pbuf) != nil {
				continue
			}
			id := nsctx.ID{Dev: st.Dev, Ino: st.Ino}
			if !hasID(p.ns[k], id) {
				p.ns[k] = append(p.ns[k], member{id: id, tid: tid})
			}
		}
	}
}

func hasID(ms []member, id nsctx.ID) bool {
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

// fdNames are "fd/N" for small N, made once.
var fdNames = func() (n [256]string) {
	for i := range n {
		n[i] = "fd/" + strconv.Itoa(i)
	}
	return
}()

func fdName(fd int) string {
	if fd < len(fdNames) {
		return fdNames[fd]
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
		if (n == 1 || r.pins[string(r.buf[:n])]) && r.nsfsDev != 0 {
			if f, ok := r.pathFd(base, name, fd); ok {
				p.fds = append(p.fds, f)
			}
		}
		return true
	}
	if n < 6 || r.buf[n-1] != ']' {
		return true
	}
	kindName, ino, ok := bytes.Cut(r.buf[:n-1], []byte(":["))
	if !ok {
		return true
	}
	k, ok := kindByName(kindName)
	if !ok || !r.want[k] {
		return true
	}
	if i, err := strconv.ParseUint(string(ino), 10, 64); err == nil {
		p.fds = append(p.fds, heldFd{kind: k, ino: i, fd: fd})
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
	for _, k := range nsctx.Kinds() {
		if k.Flag() == t && r.want[k] {
			return heldFd{kind: k, ino: st.Ino, fd: fd}, true
		}
	}
	return heldFd{}, false
}

func kindByName(b []byte) (nsctx.Kind, bool) {
	for _, k := range nsctx.Kinds() {
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
