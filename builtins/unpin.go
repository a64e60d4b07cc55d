package builtins

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

var unpinCmd = &Builtin{
	Name:    "unpin",
	Summary: "remove pins (unmount and delete the files)",
	Usage:   "unpin PATH...\nunpin DIR...\nunpin NAME...",
	Help: `Unmounts each pin and removes its file. The namespace itself lives on as
long as a process or another pin holds it. Every PATH is tried; the status
is 1 if any failed.

unpin DIR undoes pin DIR: it unpins DIR/KIND for each kind pinned there
and removes DIR when that leaves it empty (not when other files are in it,
nor through a directory others can change). Parent directories that
pin KIND PATH made stay. A NAME that is no file in the working directory
but an ip netns name is unpinned as 'ip netns del NAME' does.

PATH is walked as pin walks it (no symbolic link followed that another
user made or could swap in) and what it names is unmounted. Through a
directory another user can change (owned by them, or writable by group or
others and not sticky) what a path names is up to them: there nsh unpins
only the pins it made itself, and refuses the others.

  unpin /tmp/lab/net /tmp/lab/uts
  unpin /tmp/lab            # what pin /tmp/lab made, and the directory
  unpin blue                # what pin --netns blue made`,
	Operands: PinPaths,
	Run:      runUnpin,
}

func runUnpin(env *command.Env, args []string) error {
	fs := newFlags(args[0])
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(ops) == 0 {
		return usageError("no path given")
	}
	var first error
	for _, p := range ops {
		err := unpinOne(env, p)
		if err != nil && first == nil {
			first = err
		} else if err != nil {
			env.Stderr.Write([]byte("unpin: " + err.Error() + "\n"))
		}
	}
	return first
}

// unpinOne unpins a pin file, a directory of pins (pin DIR), or an ip
// netns name.
func unpinOne(env *command.Env, p string) error {
	err := env.Ctx.Unpin(p)
	switch {
	case errors.Is(err, nsctx.ErrNotPin):
		if _, derr := env.Ctx.UnpinDir(p); !errors.Is(derr, nsctx.ErrNotPin) {
			return derr
		}
	case errors.Is(err, fs.ErrNotExist) && !strings.Contains(p, "/"):
		if np, nerr := nsfs.NetnsPath(p); nerr == nil {
			if nerr := env.Ctx.Unpin(np); !errors.Is(nerr, fs.ErrNotExist) {
				return nerr
			}
		}
	}
	return err
}
