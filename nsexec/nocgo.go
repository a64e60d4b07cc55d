//go:build !cgo

package nsexec

// Without cgo the helper in nsexec.c cannot be built, and an nsh without
// it refuses user namespaces, time offsets and pid namespace inits. Fail
// the build here, with the reason as the compiler's message, instead of
// shipping that nsh unknowingly. (Go turns cgo off by itself when it
// finds no C compiler.)
var _ = nsh_needs_cgo__install_gcc_and_build_with_CGO_ENABLED_1
