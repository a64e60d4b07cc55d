package nsinfo

import (
	"bytes"
	"errors"
	"os"
	"strconv"

	"github.com/nsh-dev/nsh/nsctx"
	"golang.org/x/sys/unix"
)

// proc is what one /proc/PID says.
type proc struct {
	pid, ppid, uid int
	comm           string
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
	buf     []byte
}

func newReader(want [nsctx.NumKinds]bool, fds bool) *reader {
	return &reader{want: want, fds: fds, nsfsDev: homeNsfsDev(), buf: make([]byte, 4096)}
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
	dir, err := unix.Open("/proc/"+strconv.Itoa(pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		if gone(err) {
			return nil, procGone
		}
		return nil, procUnreadable
	}
	defer unix.Close(dir)
	p := &proc{pid: pid}
	var st unix.Stat_t
	if err := unix.Fstat(dir, &st); err != nil {
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
		if err := unix.Fstatat(dir, nsFile[k], &st, 0); err != nil {
			// ENOENT: it exited, or is a zombie (no namespaces left).
			if gone(err) {
				return nil, procGone
			}
			return nil, procUnreadable
		}
		p.ns[k] = []member{{id: nsctx.ID{Dev: st.Dev, Ino: st.Ino}}}
	}
	if p.threads > 1 {
		r.readThreads(dir, p)
	}
	if r.fds {
		r.readFds(dir, p)
	}
	return p, procOK
}

// readStat takes comm, ppid and the thread count from /proc/PID/stat.
func (r *reader) readStat(dir int, p *proc) procState {
	fd, err := unix.Openat(dir, "stat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		if gone(err) {
			return procGone
		}
		return procUnreadable
	}
	n, err := unix.Read(fd, r.buf)
	unix.Close(fd)
	if err != nil || n <= 0 {
		return procGone
	}
	b := r.buf[:n]
	lp, rp := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if lp < 0 || rp < lp {
		return procGone
	}
	p.comm = string(b[lp+1 : rp])
	// After "comm) ": state ppid pgrp session tty tpgid flags minflt
	// cminflt majflt cmajflt utime stime cutime cstime priority nice
	// num_threads ...
	f := bytes.Fields(b[rp+1:])
	if len(f) < 18 {
		return procGone
	}
	if f[0][0] == 'Z' || f[0][0] == 'X' {
		return procGone // a zombie is in no namespace any more
	}
	p.ppid, _ = strconv.Atoi(string(f[1]))
	p.threads, _ = strconv.Atoi(string(f[17]))
	return procOK
}

// readThreads finds namespaces that only some threads are in (such as nsh's
// own context thread). Threads that exit meanwhile are skipped.
func (r *reader) readThreads(dir int, p *proc) {
	tids, err := readNames(dir, "task")
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
			if unix.Fstatat(dir, "task/"+name+"/"+nsFile[k], &st, 0) != nil {
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
	fdDir, err := unix.Openat(dir, "fd", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer unix.Close(fdDir)
	names, err := readNamesFd(fdDir)
	if err != nil {
		return
	}
	for _, name := range names {
		n, err := unix.Readlinkat(fdDir, name, r.buf)
		if err != nil || n == 0 {
			continue
		}
		if r.buf[0] == '/' {
			// A namespace opened through a pin reads as the pin's path,
			// or "/" once the pin is gone.
			if f, ok := r.pathFd(fdDir, name); ok {
				p.fds = append(p.fds, f)
			}
			continue
		}
		if n < 6 || r.buf[n-1] != ']' {
			continue
		}
		kindName, ino, ok := bytes.Cut(r.buf[:n-1], []byte(":["))
		if !ok {
			continue
		}
		k, ok := kindByName(kindName)
		if !ok || !r.want[k] {
			continue
		}
		i, err := strconv.ParseUint(string(ino), 10, 64)
		fd, err2 := strconv.Atoi(name)
		if err != nil || err2 != nil {
			continue
		}
		p.fds = append(p.fds, heldFd{kind: k, ino: i, fd: fd})
	}
}

// pathFd checks whether an fd whose link is a path is a namespace.
func (r *reader) pathFd(fdDir int, name string) (heldFd, bool) {
	var st unix.Stat_t
	if unix.Fstatat(fdDir, name, &st, 0) != nil || st.Dev != r.nsfsDev || r.nsfsDev == 0 {
		return heldFd{}, false
	}
	fd, err := strconv.Atoi(name)
	if err != nil {
		return heldFd{}, false
	}
	nfd, err := unix.Openat(fdDir, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
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
func readNames(dir int, name string) ([]string, error) {
	fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return readNamesFd(fd)
}

// readNamesFd lists the directory open as fd; fd stays open.
func readNamesFd(fd int) ([]string, error) {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dup), "dir")
	defer f.Close()
	return f.Readdirnames(-1)
}

// cmdline is the command line of a process, as lsns shows it; a kernel
// thread (empty cmdline) shows its comm.
func cmdline(pid int, comm string) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(b) == 0 {
		return comm
	}
	b = bytes.TrimRight(b, "\x00")
	return string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
}
