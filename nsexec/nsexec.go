package nsexec

// The constructor in nsexec.c runs before the Go runtime; this file only
// tells nsctx that it is there.

// #cgo CFLAGS: -Wall -O2
import "C"

import "github.com/nsh-dev/nsh/nsctx"

func init() { nsctx.RegisterHelper() }
