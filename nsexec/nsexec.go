package nsexec

// The constructor in nsexec.c runs before the Go runtime; this file only
// tells nsctx that it is there.

// #cgo CFLAGS: -Wall -O2
// unsigned long long nsh_start_nofile(void);
import "C"

import "github.com/nsh-dev/nsh/nsctx"

func init() {
	nsctx.RegisterHelper()
	nsctx.StartNofile = uint64(C.nsh_start_nofile())
}
