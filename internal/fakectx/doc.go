// Package fakectx is an in-memory namespace context for tests of the
// builtins: it has the methods of command.Context and keeps in memory
// what *nsctx.Context keeps in the kernel, so argument handling, error
// messages and output can be tested without root and without namespaces.
//
// A namespace is an nsfs.ID. Home is the test process's own namespaces
// (so ns, identify and the like print inodes the system knows); unshare
// makes IDs no real namespace has; setns and push/pop/home move between
// IDs. The working directory is a real directory (files are real: cd,
// test -d, command -v see them), the umask is a number (files made through
// Files get the process's own), a pin is an empty file it creates,
// remembered with the namespace it names. What the fake cannot be is where
// a program runs: SpawnIn refuses (ErrNoPrograms), and Do runs its
// function in the caller's namespaces. The tests that prove the real
// context stay root tests with *nsctx.Context; TestFakeActsAsReal runs one
// scenario against both.
//
// It imports no nsh package but nsctx, so the builtins' own tests can use
// it; their tests assert that it is a command.Context.
package fakectx
