package nsctx

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

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

// helperReq is what the helper is told to do (see nsexec.c).
type helperReq struct {
	mode     string // exec, check, make, init
	join     []*Handle
	uid, gid int // credentials after joining a user namespace; -1 leaves them
	cwd      string
	fork     bool
	unshare  int
	prop     uintptr
	mono     int64
	boot     int64
	maps     func(pid int) error // writes the id maps of a new user namespace
	send     []Kind
	proc     bool
	keep     *os.File // read end of an init's keep-alive pipe
	pin      *Handle  // the namespace to bind-mount onto pinPath
	pinPath  string
	open     string // the file mode open sends back
	raw      bool   // open: any file, not only a namespace
}

type helperResult struct {
	pid   int       // the init a make request started, as the helper numbers it
	pidfd int       // and a pidfd of it (-1: none)
	ns    []*Handle // the namespaces a make request sent, in send order
	fd    int       // the file a raw open sent
}

// helperError is a step the helper reported failing.
type helperError struct {
	what  string
	errno unix.Errno
}

func (e *helperError) Error() string { return e.what + ": " + plain(e.errno).Error() }
func (e *helperError) Unwrap() error { return e.errno }

// runHelper starts cmd (a fresh helper command, or the program to run for
// mode exec) as a helper and follows its reports. For exec, success is the
// socket closing when the program is executed; cmd is then running and the
// caller waits for it. For the other modes the helper has exited when
// runHelper returns, except for init, which keeps running.
func runHelper(r *helperReq, cmd *exec.Cmd) (*helperResult, error) {
	if !helperLinked {
		return nil, errNoHelper
	}
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("helper socket: %w", err)
	}
	mine := sp[0]
	defer unix.Close(mine)
	theirs := []*os.File{os.NewFile(uintptr(sp[1]), "helper-socket")}
	defer func() {
		for _, f := range theirs {
			f.Close()
		}
	}()
	base := 3 + len(cmd.ExtraFiles)
	spec := []string{r.mode, "sock=" + strconv.Itoa(base)}
	if len(r.join) > 0 {
		var js []string
		for _, h := range r.join {
			fd, err := unix.FcntlInt(uintptr(h.fd), unix.F_DUPFD_CLOEXEC, 0)
			if err != nil {
				return nil, err
			}
			js = append(js, fmt.Sprintf("%d:%#x", base+len(theirs), h.kind.Flag()))
			theirs = append(theirs, os.NewFile(uintptr(fd), h.String()))
		}
		spec = append(spec, "join="+strings.Join(js, ","))
	}
	if r.pin != nil {
		fd, err := unix.FcntlInt(uintptr(r.pin.fd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return nil, err
		}
		spec = append(spec, "pin="+strconv.Itoa(base+len(theirs)))
		theirs = append(theirs, os.NewFile(uintptr(fd), r.pin.String()))
	}
	files := theirs
	if r.keep != nil { // the caller's: not closed here
		spec = append(spec, "keep="+strconv.Itoa(base+len(theirs)))
		files = append(files[:len(files):len(files)], r.keep)
	}
	if r.uid >= 0 || r.gid >= 0 {
		spec = append(spec, fmt.Sprintf("uid=%d", r.uid), fmt.Sprintf("gid=%d", r.gid))
	}
	if r.fork {
		spec = append(spec, "fork=1")
	}
	if r.unshare != 0 {
		spec = append(spec, fmt.Sprintf("unshare=%#x", r.unshare))
	}
	if r.prop != 0 {
		spec = append(spec, fmt.Sprintf("prop=%#x", r.prop))
	}
	if r.mono != 0 || r.boot != 0 {
		spec = append(spec, fmt.Sprintf("mono=%d", r.mono), fmt.Sprintf("boot=%d", r.boot))
	}
	if r.maps != nil {
		spec = append(spec, "maps=1")
	}
	if len(r.send) > 0 {
		var ss []string
		for _, k := range r.send {
			ss = append(ss, fmt.Sprintf("%#x", k.Flag()))
		}
		spec = append(spec, "send="+strings.Join(ss, ","))
	}
	if r.proc {
		spec = append(spec, "proc=1")
	}

	path, env, extra := cmd.Path, cmd.Env, cmd.ExtraFiles
	envv := env
	if envv == nil {
		envv = os.Environ() // what exec.Cmd gives a nil Env
	}
	cmd.Path = "/proc/self/exe"
	cmd.Env = append(envv[:len(envv):len(envv)], "_NSH_EXEC="+strings.Join(spec, " "), "_NSH_CWD="+r.cwd, "_NSH_PIN="+r.pinPath, "_NSH_OPEN="+r.open)
	cmd.ExtraFiles = append(extra[:len(extra):len(extra)], files...)
	err = cmd.Start()
	cmd.Path, cmd.Env, cmd.ExtraFiles = path, env, extra
	if err != nil {
		return nil, fmt.Errorf("starting the helper: %w", err)
	}
	for _, f := range theirs {
		f.Close()
	}
	theirs = nil

	res, err := readReports(mine, r, cmd.Process.Pid)
	if err != nil || r.mode != "exec" && r.mode != "init" {
		cmd.Wait()
	}
	return res, err
}

// helperRun runs r in a helper of its own, one that starts no program.
func helperRun(r *helperReq) (*helperResult, error) {
	return runHelper(r, &exec.Cmd{Path: "nsh-helper", Args: []string{"nsh-helper"}, Env: []string{}})
}

func readReports(sock int, r *helperReq, pid int) (*helperResult, error) {
	buf := make([]byte, 1024)
	oob := make([]byte, unix.CmsgSpace(4*(int(NumKinds)+1))) // and a pidfd
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
			if r.mode == "exec" {
				return &helperResult{}, nil // the program is running
			}
			return nil, errors.New("the helper ended without reporting")
		case r.mode == "init" && n == 4:
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
			err := r.maps(pid)
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
			if res.pid > 0 && len(fds) == len(r.send)+1 {
				// The init's pidfd comes after the namespaces.
				res.pidfd, fds = fds[len(fds)-1], fds[:len(fds)-1]
			}
			if r.mode == "open" && len(fds) == 1 && r.raw {
				return &helperResult{fd: fds[0]}, nil
			}
			if r.mode == "open" && len(fds) == 1 {
				h, err := fromFd(fds[0], r.open)
				if err != nil {
					unix.Close(fds[0])
					return nil, err
				}
				return &helperResult{ns: []*Handle{h}}, nil
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
				h, err := fromFd(fd, "helper")
				if err != nil || i >= len(r.send) || h.kind != r.send[i] {
					for _, fd := range fds[i:] {
						unix.Close(fd)
					}
					return bad(fmt.Errorf("the helper sent an unexpected namespace"))
				}
				res.ns = append(res.ns, h)
			}
			if len(res.ns) != len(r.send) {
				return bad(fmt.Errorf("the helper sent %d namespaces, not %d", len(res.ns), len(r.send)))
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
