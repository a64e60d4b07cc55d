package nsinfo

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The /proc reads of a scan are thousands of short syscalls that never
// block for long. Made as raw syscalls they skip the Go scheduler's
// hand-off of the P (and the thread wake-ups that follow), which cost more
// than the syscalls themselves here. Paths are NUL-terminated in a
// caller's buffer to avoid an allocation per call.

func cpath(buf []byte, s string) *byte {
	buf = append(buf[:0], s...)
	buf = append(buf, 0)
	return &buf[0]
}

func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func rawOpenat(dir int, path string, flags int, pbuf []byte) (int, error) {
	p := cpath(pbuf, path)
	fd, _, e := syscall.RawSyscall6(unix.SYS_OPENAT, uintptr(dir), uintptr(unsafe.Pointer(p)), uintptr(flags|unix.O_CLOEXEC), 0, 0, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

func rawFstatat(dir int, path string, st *unix.Stat_t, pbuf []byte) error {
	p := cpath(pbuf, path)
	_, _, e := syscall.RawSyscall6(unix.SYS_NEWFSTATAT, uintptr(dir), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(st)), 0, 0, 0)
	return errnoErr(e)
}

func rawFstat(fd int, st *unix.Stat_t) error {
	_, _, e := syscall.RawSyscall(unix.SYS_FSTAT, uintptr(fd), uintptr(unsafe.Pointer(st)), 0)
	return errnoErr(e)
}

func rawReadlinkat(dir int, path string, buf, pbuf []byte) (int, error) {
	p := cpath(pbuf, path)
	n, _, e := syscall.RawSyscall6(unix.SYS_READLINKAT, uintptr(dir), uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func rawRead(fd int, buf []byte) (int, error) {
	n, _, e := syscall.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func rawGetdents(fd int, buf []byte) (int, error) {
	n, _, e := syscall.RawSyscall(unix.SYS_GETDENTS64, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func rawClose(fd int) {
	syscall.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

func rawIoctl(fd int, req uint) (int, error) {
	r, _, e := syscall.RawSyscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), 0)
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}
