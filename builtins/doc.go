// Package builtins holds nsh's builtin commands, one file each, and the one
// table (Table) that registers them with their usage text, so help and
// completion are generated from the same entries the shell dispatches.
//
// A builtin is a Func: it gets its streams, the namespace context and the
// shell through an *Env and returns an error; the shell derives the exit
// status from that error in one place (Status). Builtins never touch
// os.Args, os.Stdin/Stdout/Stderr or process-wide state.
package builtins
