package plugins

import (
	"errors"
	"io"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
)

// FileRun is one command line run by RunFile.
type FileRun struct {
	Path   string   // the plugin file (trust-checked as nsh checks it)
	Args   []string // Args[0] is one of its commands
	Env    []string // the shell's exported environment, as the plugin gets it
	Dir    string   // the working directory ("": the caller's)
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// StateDir holds the describe cache and the plugin's log (NAME.log),
	// which would otherwise be the user's.
	StateDir string
}

// RunFile runs one command line of a plugin file as nsh runs it: through
// a host of its own, over a namespace context of its own (in the caller's
// namespaces), and returns the command's exit status. err is what the
// shell would say besides the status (the plugin failed to start,
// crashed, ...). It is package sdktest's RunBinary: an author's test runs
// the real plugin without nsh installed.
func RunFile(r FileRun) (status int, err error) {
	ctx, err := nsctx.New()
	if err != nil {
		return 1, err
	}
	defer ctx.Close()
	if r.Dir != "" {
		if err := ctx.Chdir(r.Dir); err != nil {
			return 1, err
		}
	}
	env := append(append([]string(nil), r.Env...), "NSH_PLUGIN_PATH=", "XDG_CACHE_HOME="+r.StateDir, "XDG_STATE_HOME="+r.StateDir)
	h := NewHost(ctx, env, r.Stderr)
	defer h.Close()
	if _, err := h.Load(r.Path); err != nil {
		return 1, err
	}
	benv := &command.Env{Stdin: r.Stdin, Stdout: r.Stdout, Stderr: r.Stderr, Ctx: ctx, Shell: fileShell{env: r.Env}}
	err = h.Handler(func(_ *command.Env, args []string) error {
		return &command.StatusError{Code: 127, Err: errors.New(args[0] + ": the plugin provides no such command")}
	})(benv, r.Args)
	var es command.ExitStatus
	if err == nil || errors.As(err, &es) && errors.Unwrap(err) == es {
		return command.Status(err), nil // the command's own status
	}
	return command.Status(err), err
}

// fileShell is the shell as a plugin call sees it: its environment. (The
// host asks nothing else of the shell.)
type fileShell struct {
	command.Shell
	env []string
}

func (s fileShell) Environ() []string { return s.env }
