package nsctx

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// The helper is nsh re-executed with instructions for the code in package
// nsexec, which runs before the Go runtime starts, while the process is
// still single-threaded: the only place user namespaces can be made or
// joined, time namespaces joined, and a pid namespace's init run from.

var helperLinked bool

// UseHelper tells nsctx that the binary has package nsexec linked in, so
// that the helper can be run; a main package calls it first, as
//
//	nsctx.UseHelper(nsexec.StartNofile())
//
// (nsexec imports no nsh package: the composition is the main package's).
// Without it nsh refuses what needs the helper instead of re-executing a
// binary that would not understand the instructions.
func UseHelper(startNofile uint64) {
	helperLinked = true
	StartNofile = startNofile
}

// StartNofile is the soft RLIMIT_NOFILE nsh was started with, before Go
// raised its own (package nsexec reads it first, UseHelper sets it; 0
// without the helper). Programs started through os/exec get it back until
// a Setrlimit of RLIMIT_NOFILE changes the process's limit for good.
var StartNofile uint64

var errNoHelper = errors.New("this nsh was built without its helper (package nsexec, which needs cgo)")

// A helper request is one of the types below, one for each mode of
// nsexec.c, so that each shows what its mode uses:
//
//	exec   execReq   enter the context, execute a program (startVia)
//	check  checkReq  enter the context, report that it could: a join or
//	                 a cd proved before the context takes it (joinVia,
//	                 viaChdir)
//	make   makeReq   enter the context, unshare new namespaces there and
//	                 send them back, with a new pid namespace's init
//	                 (unshareVia)
//	init   initReq   be the init of the pid namespace the context thread
//	                 has just unshared (startInit)
//	open   openReq   enter the context, open a file there and send it back
//	                 (open, viaOpen)
//	pin    pinReq    enter the context, bind-mount a namespace onto a path
//	                 in its mount namespace (pinInside)
//	unpin  unpinReq  enter the context, unmount a pin there (unpinInside)
//
// "Enter the context" is helperAt, the part that all but init share.
type helperReq interface {
	mode() string
	spec(s *spec) error // adds the request's words, files and paths
}

// helperAt is where a helper works: in the context's via namespaces (see
// via.go), joined first.
type helperAt struct {
	join     []*nsfs.Handle
	uid, gid int    // credentials after joining a user namespace; -1 leaves them
	cwd      string // the working directory there ("": the helper's)
	fork     bool   // go on in a child, which is in the pid namespace joined
}

type execReq struct{ helperAt } // the program is the command runHelper is given

type checkReq struct{ helperAt }

type makeReq struct {
	helperAt
	unshare    int                 // CLONE_NEW* flags
	send       []nsfs.Kind         // the new namespaces to send back, in this order
	proc       bool                // the init mounts a fresh /proc
	prop       uintptr             // the propagation of a new mount namespace (0: as made)
	mono, boot int64               // a new time namespace's offsets
	maps       func(pid int) error // writes the id maps of a new user namespace
	keep       *os.File            // read end of the new init's keep-alive pipe
}

type initReq struct {
	proc bool     // mount a fresh /proc
	keep *os.File // read end of the init's keep-alive pipe
}

type openReq struct {
	helperAt
	path string
	raw  bool // any file, not only a namespace
}

type pinReq struct {
	helperAt
	ns   *nsfs.Handle // the namespace to bind-mount onto path
	path string
}

type unpinReq struct {
	helperAt
	path string
}

func (*execReq) mode() string  { return "exec" }
func (*checkReq) mode() string { return "check" }
func (*makeReq) mode() string  { return "make" }
func (*initReq) mode() string  { return "init" }
func (*openReq) mode() string  { return "open" }
func (*pinReq) mode() string   { return "pin" }
func (*unpinReq) mode() string { return "unpin" }

// spec is a request in the helper's words: _NSH_EXEC's mode and keys, the
// files the helper is passed (numbered from base), and the paths its mode
// reads from _NSH_CWD, _NSH_PIN or _NSH_OPEN (only those: a program that
// exec starts keeps the environment it was given). nsexec.c takes the keys
// in any order.
type spec struct {
	words []string
	base  int
	files []*os.File // made here, closed once the helper started
	keep  *os.File   // the caller's, passed after files
	env   []string
}

func (s *spec) add(words ...string) { s.words = append(s.words, words...) }

// pass passes the helper a copy of h and returns its number there.
func (s *spec) pass(h *nsfs.Handle) (int, error) {
	fd, err := unix.FcntlInt(uintptr(h.Fd()), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	s.files = append(s.files, os.NewFile(uintptr(fd), h.String()))
	return s.base + len(s.files) - 1, nil
}

func (s *spec) close() {
	for _, f := range s.files {
		f.Close()
	}
	s.files = nil
}

func (a *helperAt) spec(s *spec) error {
	if len(a.join) > 0 {
		var js []string
		for _, h := range a.join {
			fd, err := s.pass(h)
			if err != nil {
				return err
			}
			js = append(js, fmt.Sprintf("%d:%#x", fd, h.Kind().Flag()))
		}
		s.add("join=" + strings.Join(js, ","))
	}
	if a.uid >= 0 || a.gid >= 0 {
		s.add(fmt.Sprintf("uid=%d", a.uid), fmt.Sprintf("gid=%d", a.gid))
	}
	if a.fork {
		s.add("fork=1")
	}
	s.env = append(s.env, "_NSH_CWD="+a.cwd) // exec unsets it
	return nil
}

func (r *makeReq) spec(s *spec) error {
	if err := r.helperAt.spec(s); err != nil {
		return err
	}
	if r.unshare != 0 {
		s.add(fmt.Sprintf("unshare=%#x", r.unshare))
	}
	if r.prop != 0 {
		s.add(fmt.Sprintf("prop=%#x", r.prop))
	}
	if r.mono != 0 || r.boot != 0 {
		s.add(fmt.Sprintf("mono=%d", r.mono), fmt.Sprintf("boot=%d", r.boot))
	}
	if r.maps != nil {
		s.add("maps=1")
	}
	if len(r.send) > 0 {
		var ss []string
		for _, k := range r.send {
			ss = append(ss, fmt.Sprintf("%#x", k.Flag()))
		}
		s.add("send=" + strings.Join(ss, ","))
	}
	if r.proc {
		s.add("proc=1")
	}
	s.keep = r.keep
	return nil
}

func (r *initReq) spec(s *spec) error {
	if r.proc {
		s.add("proc=1")
	}
	s.keep = r.keep
	return nil
}

func (r *openReq) spec(s *spec) error {
	if err := r.helperAt.spec(s); err != nil {
		return err
	}
	s.env = append(s.env, "_NSH_OPEN="+r.path)
	return nil
}

func (r *pinReq) spec(s *spec) error {
	if err := r.helperAt.spec(s); err != nil {
		return err
	}
	fd, err := s.pass(r.ns)
	if err != nil {
		return err
	}
	s.add("pin=" + strconv.Itoa(fd))
	s.env = append(s.env, "_NSH_PIN="+r.path)
	return nil
}

func (r *unpinReq) spec(s *spec) error {
	if err := r.helperAt.spec(s); err != nil {
		return err
	}
	s.env = append(s.env, "_NSH_PIN="+r.path)
	return nil
}

type helperResult struct {
	pid   int            // the init a make request started, as the helper numbers it
	pidfd int            // and a pidfd of it (-1: none)
	ns    []*nsfs.Handle // the namespaces a make request sent, in send order
	fd    int            // the file a raw open sent
}

// helperError is a step the helper reported failing.
type helperError struct {
	what  string
	errno unix.Errno
}

func (e *helperError) Error() string { return e.what + ": " + nsfs.Plain(e.errno).Error() }
func (e *helperError) Unwrap() error { return e.errno }

// newSpec puts r in the helper's words, for a helper that gets the files
// from base on, the socket sock first.
func newSpec(r helperReq, base int, sock *os.File) (*spec, error) {
	s := &spec{base: base, files: []*os.File{sock}}
	s.add(r.mode(), "sock="+strconv.Itoa(base))
	if err := r.spec(s); err != nil {
		s.close()
		return nil, err
	}
	if s.keep != nil {
		s.add("keep=" + strconv.Itoa(base+len(s.files)))
	}
	return s, nil
}

// runHelper starts cmd (a fresh helper command, or the program to run for
// mode exec) as a helper and follows its reports. For exec, success is the
// socket closing when the program is executed; cmd is then running and the
// caller waits for it. For the other modes the helper has exited when
// runHelper returns, except for init, which keeps running.
func runHelper(r helperReq, cmd *exec.Cmd) (*helperResult, error) {
	if !helperLinked {
		return nil, errNoHelper
	}
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("helper socket: %w", err)
	}
	mine := sp[0]
	defer unix.Close(mine)
	s, err := newSpec(r, 3+len(cmd.ExtraFiles), os.NewFile(uintptr(sp[1]), "helper-socket"))
	if err != nil {
		return nil, err
	}
	defer s.close()
	files := s.files
	if s.keep != nil { // the caller's: not closed here
		files = append(files[:len(files):len(files)], s.keep)
	}

	path, env, extra := cmd.Path, cmd.Env, cmd.ExtraFiles
	envv := env
	if envv == nil {
		envv = os.Environ() // what exec.Cmd gives a nil Env
	}
	cmd.Path = "/proc/self/exe"
	cmd.Env = append(append(envv[:len(envv):len(envv)], "_NSH_EXEC="+strings.Join(s.words, " ")), s.env...)
	cmd.ExtraFiles = append(extra[:len(extra):len(extra)], files...)
	err = cmd.Start()
	cmd.Path, cmd.Env, cmd.ExtraFiles = path, env, extra
	if err != nil {
		return nil, fmt.Errorf("starting the helper: %w", err)
	}
	s.close()

	res, err := readReports(mine, r, cmd.Process.Pid)
	_, isExec := r.(*execReq)
	_, isInit := r.(*initReq)
	if err != nil || !isExec && !isInit {
		cmd.Wait()
	}
	return res, err
}

// helperRun runs r in a helper of its own, one that starts no program.
func helperRun(r helperReq) (*helperResult, error) {
	return runHelper(r, &exec.Cmd{Path: "nsh-helper", Args: []string{"nsh-helper"}, Env: []string{}})
}

func readReports(sock int, r helperReq, pid int) (*helperResult, error) {
	_, isExec := r.(*execReq)
	_, isInit := r.(*initReq)
	mk, _ := r.(*makeReq)
	var send []nsfs.Kind // what a make request is to be sent
	if mk != nil {
		send = mk.send
	}
	open, _ := r.(*openReq)
	buf := make([]byte, 1024)
	oob := make([]byte, unix.CmsgSpace(4*(int(nsfs.NumKinds)+1))) // and a pidfd
	for {
		n, oobn, _, _, err := unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading from the helper: %w", err)
		}
		msg := buf[:n]
		switch {
		case n == 0:
			if isExec {
				return &helperResult{}, nil // the program is running
			}
			return nil, errors.New("the helper ended without reporting")
		case isInit && n == 4:
			if e := unix.Errno(int32(uint32(msg[0]) | uint32(msg[1])<<8 | uint32(msg[2])<<16 | uint32(msg[3])<<24)); e != 0 {
				return nil, &helperError{"mounting /proc", e}
			}
			return &helperResult{pid: pid}, nil
		case bytes.HasPrefix(msg, []byte("ERR ")):
			f := strings.SplitN(string(msg), " ", 3)
			e, _ := strconv.Atoi(f[1])
			what := "helper"
			if len(f) == 3 {
				what = f[2]
			}
			return nil, &helperError{what, unix.Errno(e)}
		case string(msg) == "MAP":
			err := errors.New("the helper asked for id maps it was not given")
			if mk != nil && mk.maps != nil {
				err = mk.maps(pid)
			}
			reply := "GO"
			if err != nil {
				reply = "NO"
			}
			unix.Write(sock, []byte(reply))
			if err != nil {
				return nil, err
			}
		case bytes.HasPrefix(msg, []byte("OK")):
			res := &helperResult{pidfd: -1}
			if v, ok := strings.CutPrefix(string(msg), "OK pid="); ok {
				res.pid, _ = strconv.Atoi(v)
			}
			fds, err := unixRights(oob[:oobn])
			if err != nil {
				return nil, err
			}
			if res.pid > 0 && len(fds) == len(send)+1 {
				// The init's pidfd comes after the namespaces.
				res.pidfd, fds = fds[len(fds)-1], fds[:len(fds)-1]
			}
			if open != nil && len(fds) == 1 && open.raw {
				return &helperResult{fd: fds[0]}, nil
			}
			if open != nil && len(fds) == 1 {
				h, err := nsfs.FromFd(fds[0], open.path)
				if err != nil {
					unix.Close(fds[0])
					return nil, err
				}
				return &helperResult{ns: []*nsfs.Handle{h}}, nil
			}
			bad := func(err error) (*helperResult, error) {
				for _, h := range res.ns {
					h.Close()
				}
				if res.pidfd >= 0 {
					unix.Close(res.pidfd)
				}
				return nil, err
			}
			for i, fd := range fds {
				h, err := nsfs.FromFd(fd, "helper")
				if err != nil || i >= len(send) || h.Kind() != send[i] {
					for _, fd := range fds[i:] {
						unix.Close(fd)
					}
					return bad(fmt.Errorf("the helper sent an unexpected namespace"))
				}
				res.ns = append(res.ns, h)
			}
			if len(res.ns) != len(send) {
				return bad(fmt.Errorf("the helper sent %d namespaces, not %d", len(res.ns), len(send)))
			}
			return res, nil
		default:
			return nil, fmt.Errorf("the helper said %q", msg)
		}
	}
}

func unixRights(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, err
	}
	var fds []int
	for _, m := range msgs {
		fs, err := unix.ParseUnixRights(&m)
		if err != nil {
			return nil, err
		}
		fds = append(fds, fs...)
	}
	return fds, nil
}
