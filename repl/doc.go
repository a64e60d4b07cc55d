// Package repl is nsh's shell: it reads lines (readline on a terminal, a
// plain reader for scripts), splits them into commands, dispatches each to
// a builtin or a program in the namespace context, and turns errors into
// exit statuses and messages.
//
// Dispatch is a chain of Handlers, each wrapping the next (builtins, then
// whatever a later layer adds, then spawning a program), as mvdan/sh's
// interp chains its handlers.
package repl
