package nsexec

// #include <stdlib.h>
// #include "spawn.h"
import "C"

import (
	"errors"
	"reflect"
	"strings"
	"syscall"
	"unsafe"
)

// ErrUnsupported is Spawn's answer for what it does not do (attributes
// other than a process group and the terminal, more than 10 fds, a
// machine other than x86-64, a kernel without clone3's
// CLONE_CLEAR_SIGHAND): the caller starts the program through os/exec
// instead.
var ErrUnsupported = errors.ErrUnsupported

// Spawn forks and executes the program at path from the calling thread,
// so in that thread's namespaces and working directory, with argv, env
// (as it is: no duplicates dropped) and files (files[i] becomes the
// program's fd i; -1 leaves it closed). Of sys it honours Setpgid, Pgid,
// Foreground and Ctty, as os/exec does. With nofile the program gets the
// open-files limit nsh was started with, as os/exec gives it until
// RLIMIT_NOFILE is set through syscall.Setrlimit. It returns the pid; the
// caller reaps the process (wait4). An error is the errno of the fork or
// the exec, or ErrUnsupported. See spawn.c for why it exists.
func Spawn(path string, argv, env []string, files []int, sys *syscall.SysProcAttr, nofile bool) (int, error) {
	if len(files) > C.NSH_SPAWN_MAXFD || !supported(sys) {
		return 0, ErrUnsupported
	}
	block, ptrs, err := cStrings(path, argv, env)
	if err != nil {
		return 0, err
	}
	defer C.free(block)
	s := C.struct_nsh_spawn{
		path:   (*C.char)(block),
		argv:   &ptrs[0],
		envp:   &ptrs[len(argv)+1],
		nfds:   C.int(len(files)),
		ctty:   -1,
		nofile: cbool(nofile),
	}
	for i, fd := range files {
		s.fds[i] = C.int(fd)
	}
	if sys != nil {
		s.setpgid, s.pgid = cbool(sys.Setpgid), C.int(sys.Pgid)
		s.foreground, s.ctty = cbool(sys.Foreground), C.int(sys.Ctty)
	}
	var childErr C.int
	// Go's own forks hold ForkLock for writing, so that no descriptor
	// made without O_CLOEXEC (syscall.Pipe, under its read lock) leaks.
	syscall.ForkLock.Lock()
	pid := C.nsh_spawn(&s, &childErr)
	syscall.ForkLock.Unlock()
	switch {
	case pid > 0:
		return int(pid), nil
	case pid == 0:
		return 0, syscall.Errno(childErr)
	case syscall.Errno(-pid) == syscall.ENOSYS || syscall.Errno(-pid) == syscall.EINVAL:
		return 0, ErrUnsupported // no clone3, or no CLONE_CLEAR_SIGHAND
	}
	return 0, syscall.Errno(-pid)
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// supported reports whether sys asks for nothing but a process group and
// the terminal.
func supported(sys *syscall.SysProcAttr) bool {
	if sys == nil {
		return true
	}
	a := *sys
	a.Setpgid, a.Pgid, a.Foreground, a.Ctty = false, 0, false, 0
	return reflect.DeepEqual(a, syscall.SysProcAttr{})
}

// cStrings copies path, argv and env into one block of C memory: the
// strings, then argv's pointers and env's, each list ending in NULL. ptrs
// points into the block. A string with a NUL in it is EINVAL, as in
// os/exec.
func cStrings(path string, argv, env []string) (unsafe.Pointer, []*C.char, error) {
	n := len(path) + 1
	for _, l := range [][]string{argv, env} {
		for _, s := range l {
			if strings.IndexByte(s, 0) >= 0 {
				return nil, nil, syscall.EINVAL
			}
			n += len(s) + 1
		}
	}
	if strings.IndexByte(path, 0) >= 0 {
		return nil, nil, syscall.EINVAL
	}
	const ptr = unsafe.Sizeof((*C.char)(nil))
	np := len(argv) + len(env) + 2
	off := (uintptr(n) + ptr - 1) &^ (ptr - 1)
	block := C.malloc(C.size_t(off + uintptr(np)*ptr))
	if block == nil {
		return nil, nil, syscall.ENOMEM
	}
	buf := unsafe.Slice((*byte)(block), n)
	ptrs := unsafe.Slice((**C.char)(unsafe.Add(block, off)), np)
	at := copy(buf, path)
	buf[at] = 0
	at++
	k := 0
	for _, l := range [][]string{argv, env} {
		for _, s := range l {
			ptrs[k] = (*C.char)(unsafe.Pointer(&buf[at]))
			at += copy(buf[at:], s)
			buf[at] = 0
			at++
			k++
		}
		ptrs[k] = nil
		k++
	}
	return block, ptrs, nil
}
