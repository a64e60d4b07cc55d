// Package nsexec is the part of nsh that runs before the Go runtime starts:
// a cgo constructor (nsexec.c) that does what only a single-threaded process
// may do (create or join a user namespace, join a time namespace, be a pid
// namespace's init), when nsh re-executes itself with instructions in
// _NSH_EXEC. Import it for its side effect, from main packages only:
//
//	import _ "github.com/nsh-dev/nsh/nsexec"
//
// Without the import nsh still works, but refuses user namespaces, time
// offsets and a pid namespace init with an error that says so. The package
// itself needs cgo: built with CGO_ENABLED=0 (or with no C compiler, when
// Go turns cgo off itself) it fails to compile with a message that says
// what to install (nocgo.go).
package nsexec
