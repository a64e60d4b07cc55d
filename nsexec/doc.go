// Package nsexec is the part of nsh that runs before the Go runtime starts:
// a cgo constructor that does what only a single-threaded process may do
// (create or join a user namespace, join a time namespace, be a pid
// namespace's init), when nsh re-executes itself with instructions in
// _NSH_EXEC. It never returns to Go then; without _NSH_EXEC it returns at
// once.
//
// The C is split by concern, with what the files share in nsexec.h:
// protocol.c (reading _NSH_EXEC, reporting on the socket, the constructor
// that runs the mode), join.c (entering namespaces), userns.c (ids and id
// maps), timens.c (time offsets), pidns.c (a pid namespace's init),
// make.c, exec.c and pin.c (those modes), nofile.c (the open-files limit
// the process was started with). spawn.c is the one part that runs after
// the runtime has started: Spawn, the fork of the programs nsh's jobs
// start (nsctx.UseSpawn), from the calling thread. helper_test.go tests it as C: the files
// and testdata/driver.c built with gcc into a program without Go.
//
// Like runc's nsenter, the package imports no nsh package. A main package
// composes it with package nsctx, which is also what links it in:
//
//	nsctx.UseHelper(nsexec.StartNofile())
//	nsctx.UseSpawn(nsexec.Spawn)
//
// Without that nsh still works, but refuses user namespaces, time offsets
// and a pid namespace init with an error that says so. The package itself
// needs cgo: built with CGO_ENABLED=0 (or with no C compiler, when Go turns
// cgo off itself) it fails to compile with a message that says what to
// install (nocgo.go).
package nsexec
