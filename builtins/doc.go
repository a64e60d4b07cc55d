// Package builtins holds nsh's builtin commands, one file each, and the one
// table (Table) that registers them with their usage text, so help and
// completion are generated from the same entries the shell dispatches.
//
// A builtin is a command.Handler: it gets its streams, the namespace
// context and the shell through a *command.Env and returns an error; the
// shell derives the exit status from that error in one place
// (command.Status). Builtins never touch os.Args, os.Stdin/Stdout/Stderr
// or process-wide state. What the language builtins need of the shell
// beyond command.Shell is Lang (JobShell for the job builtins); programs
// start through package jobs, the plugin host is Lang.Plugins.
package builtins
