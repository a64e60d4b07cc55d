// Package repl is nsh's shell: it reads lines (readline on a terminal, a
// plain reader for scripts), splits them into commands, dispatches each to
// a builtin or a program in the namespace context, and turns errors into
// exit statuses and messages.
//
// Expansion that touches the file system or runs commands happens in the
// context: patterns are matched on the context thread, and $(...) runs in a
// copy of the shell between Context.Save and its restore (subst.go).
//
// Dispatch is a chain of Handlers, each wrapping the next (builtins, then
// whatever a later layer adds, then spawning a program), as mvdan/sh's
// interp chains its handlers.
package repl
