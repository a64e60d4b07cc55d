// Package nsctx is nsh's namespace context: one goroutine locked to its OS
// thread for the life of the shell, which runs every namespace syscall and
// every fork/exec. What names a namespace (Kind, ID, Handle) is package nsfs.
//
// Namespaces belong to threads, not processes. The context goroutine calls
// runtime.LockOSThread and never unlocks, so when it ends Go kills its thread
// and no other goroutine can ever be scheduled on a thread whose namespaces
// were changed. It is never the process's main thread, whose namespaces are
// what /proc/PID/ns shows of nsh and which Go never ends. Other goroutines
// reach the thread only by handing it work (Context.Do); goroutines started
// from it run elsewhere, in the home namespaces. thread.go holds that
// machinery; helper.go the re-executed helper that does what the thread
// cannot (user and time namespaces); docs/design.md explains the model in
// full.
package nsctx
