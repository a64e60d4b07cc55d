package nsexec

// The constructor in nsexec.c runs before the Go runtime; this file only
// lets a main package say that it is there (and pass on what it read).

// #cgo CFLAGS: -Wall -O2
// unsigned long long nsh_start_nofile(void);
import "C"

// StartNofile is the soft RLIMIT_NOFILE the process was started with, read
// by nofile.c before the Go runtime raised its own. A main package passes
// it to nsctx.UseHelper; the call is also what links the helper in.
func StartNofile() uint64 { return uint64(C.nsh_start_nofile()) }
