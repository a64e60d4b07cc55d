package builtins

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
)

var cdCmd = &Builtin{
	Name:    "cd",
	Summary: "change the context's working directory",
	Usage:   "cd [-L|-P] [DIR|-]",
	Help: `Changes the working directory of the context thread; DIR is resolved in
the context's mount namespace. Without DIR, goes to $HOME; cd - goes back
to $OLDPWD and prints it. The context has its own working directory,
separate from nsh's process, and spawned programs start in it. Joining a
mount namespace moves it to that namespace's root, as nsenter does.

-L (the default, as in sh) is logical: DIR is taken from $PWD, and its ..
removes the name before it, so cd through a symbolic link keeps the link
in $PWD and cd .. comes back out of it. -P is physical: DIR is resolved
as the kernel does, and $PWD is the directory's real path.

A relative DIR that does not start with . or .. is looked for in each
directory of $CDPATH (colon-separated; an empty entry is the working
directory) before the working directory; one found there is printed.

Whatever moves the working directory (cd, setns, home, pop...) sets $PWD
and $OLDPWD, exported, as bash's cd does, so programs that trust $PWD
(make, scripts) see where they are. cd "" does nothing, as in bash.

  cd -P /var/run; pwd
  CDPATH=/sys/class cd net`,
	Options:  []string{"-L", "-P"},
	Operands: Files,
	Moves:    true,
	Run: func(env *command.Env, args []string) error {
		opts, ops, err := splitOptions(args, "LP")
		if err != nil {
			return err
		}
		physical := strings.LastIndexByte(opts, 'P') > strings.LastIndexByte(opts, 'L')
		var dir string
		show := false
		switch len(ops) {
		case 0:
			home, _ := env.Shell.Var("HOME")
			if home == "" {
				return usageError("HOME is not set")
			}
			dir = home
		case 1:
			dir = ops[0]
			if dir == "" {
				return nil
			}
			if dir == "-" {
				old, _ := env.Shell.Var("OLDPWD")
				if old == "" {
					return &command.StatusError{Code: 1, Err: errors.New("OLDPWD is not set")}
				}
				dir, show = old, true
			}
		default:
			return usageError("too many operands")
		}
		pwd, _ := env.Shell.Var("PWD")
		if !path.IsAbs(pwd) {
			physical = true // nothing logical to start from
		}
		// Each candidate is tried by changing to it: the change is the
		// check, so nothing is looked at twice.
		for _, cand := range cdCandidates(env, dir) {
			target := cand.path
			if !physical {
				if !path.IsAbs(target) {
					target = pwd + "/" + target
				}
				target = path.Clean(target)
			}
			if err = env.Ctx.Chdir(target); err != nil {
				continue
			}
			now := target
			if physical {
				if now, err = env.Ctx.Getwd(); err != nil {
					return err
				}
			}
			if pwd != "" {
				env.Shell.SetVar("OLDPWD", pwd, true)
			}
			env.Shell.SetVar("PWD", now, true)
			if show || cand.viaCdpath {
				_, err = fmt.Fprintln(env.Stdout, now)
			}
			return err
		}
		return err
	},
}

type cdCandidate struct {
	path      string
	viaCdpath bool
}

// cdCandidates is where cd DIR looks, in order: DIR under each $CDPATH
// entry, then DIR itself (POSIX's cd, steps 5 and 6).
func cdCandidates(env *command.Env, dir string) []cdCandidate {
	cdpath, _ := env.Shell.Var("CDPATH")
	first, _, _ := strings.Cut(dir, "/")
	if cdpath == "" || path.IsAbs(dir) || first == "." || first == ".." {
		return []cdCandidate{{path: dir}}
	}
	var cands []cdCandidate
	for _, e := range strings.Split(cdpath, ":") {
		if e == "" {
			cands = append(cands, cdCandidate{path: "./" + dir})
			continue
		}
		cands = append(cands, cdCandidate{path: strings.TrimSuffix(e, "/") + "/" + dir, viaCdpath: true})
	}
	return append(cands, cdCandidate{path: dir})
}

// sameDir reports whether a names the context's working directory: a
// logical $PWD (through symbolic links) that is still right is kept.
func sameDir(ctx command.Viewer, a string) bool {
	same := false
	ctx.Files(func(fs nsctx.FS) error {
		sa, err1 := fs.Stat(a, true)
		sb, err2 := fs.Stat(".", true)
		same = err1 == nil && err2 == nil && sa.Dev == sb.Dev && sa.Ino == sb.Ino
		return nil
	})
	return same
}
