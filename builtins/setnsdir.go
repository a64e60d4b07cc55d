package builtins

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsfs"
)

// joinDir joins a directory of pins as pin DIR made it: DIR/KIND for
// every kind there, in one step (all or nothing). It reports false when
// dir holds no pin of any kind, and leaves the answer to the caller.
func joinDir(env *command.Env, dir string, want nsfs.Kind) (bool, error) {
	// dir/. of a directory opens (and is no namespace); of a file, not.
	if h, err := env.Ctx.Open(dir + "/."); !errors.Is(err, nsfs.ErrNotNamespace) {
		if h != nil {
			h.Close()
		}
		return false, nil
	}
	var hs []*nsfs.Handle
	defer func() {
		for _, h := range hs {
			h.Close()
		}
	}()
	for _, k := range nsfs.Kinds() {
		h, err := env.Ctx.Open(filepath.Join(dir, k.String()))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, nsfs.ErrNotNamespace) {
			continue
		}
		if err != nil {
			return true, err
		}
		hs = append(hs, h)
		if h.Kind() != k {
			return true, &nsfs.Error{Path: filepath.Join(dir, k.String()), Err: fmt.Errorf("%w: it is a %s namespace", nsfs.ErrWrongKind, h.Kind())}
		}
	}
	if len(hs) == 0 {
		return false, nil
	}
	if want >= 0 {
		return true, usageError("%s: a directory of pins joins whole: give no KIND (or setns %s)", dir, filepath.Join(dir, want.String()))
	}
	return true, env.Ctx.Join(hs...)
}
