// Package command is the contract between the shell and the commands it
// runs: what every command implementation (builtins, plugins, programs)
// shares. A command is a Handler: it gets its streams, the namespace
// context and the shell through an *Env and returns an error, from which
// the shell derives the exit status in one place (Status). Middleware
// wraps a Handler (the plugin host is one); PluginHost is what the shell
// asks of a plugin host, which cmd/nsh composes in or leaves out.
//
// The layering, bottom up (docs/design.md has it whole; layering_test.go
// keeps it):
//
//	nsfs, nsexec           namespace identity; the pre-runtime C helper
//	nsctx, nsinfo          the context thread and namespace work; discovery
//	command                this contract (imports nsfs and nsctx only)
//	jobs                   jobs, process groups, the terminal, starting programs
//	builtins, plugins      command implementations (neither imports the other)
//	lang                   the shell language; dispatches to them
//	repl                   reading, prompt, completion; Main
//	cmd/nsh                composes it all (with or without plugins)
//
// Status errors live here, below jobs, because jobs turns wait statuses
// into them; so Env.Job is an interface (Job), which *jobs.Job satisfies,
// and the job table is reached through builtins.Lang, not Shell.
package command
