// Package plugins is nsh's plugin host: it finds nsh-plugin-NAME
// executables, caches what commands they provide, and runs those commands
// in plugin processes started from the namespace context's thread, so that
// a plugin command lives in the user's current namespaces.
//
// The pieces: discover.go (search path and the describe cache), trust.go
// (opening a plugin once, refusing it if others could change what it
// names), describe.go (checking what a plugin says about itself),
// runner.go (go-plugin RunnerFunc: forking on the context thread, executing
// the checked descriptor, reaching a socket in another mount namespace),
// cgroup.go (a cgroup per process, and the reaper, so that what a plugin
// starts ends with it), pool.go (processes per plugin and context), call.go
// (one command over the calls socket or the gRPC Run stream, Ctrl-C,
// faults), host.go (the shell middleware and the plugin builtin's
// operations). Plugin authors use
// plugins/sdk; the protocol is plugins/proto/v1. docs/plugins.md is the
// guide.
package plugins
