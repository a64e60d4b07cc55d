package sdktest

import (
	"bytes"
	"context"
	"strings"

	"github.com/nsh-dev/nsh/plugins/sdk"
)

// Call is what a test gives a command; zero fields are empty (Args
// defaults to the command's name alone).
type Call struct {
	Args  []string
	Env   []string // KEY=VALUE, as the shell exports them
	Dir   string
	Stdin string
	Ctx   context.Context // cancel it to act as Ctrl-C; nil: Background
}

// Result is what the command wrote and its exit status.
type Result struct {
	Stdout, Stderr string
	Status         int
}

// Run runs cmd with c.
func Run(cmd *sdk.Command, c Call) Result {
	var out, errOut bytes.Buffer
	ctx := c.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	call := &sdk.Call{Args: c.Args, Env: c.Env, Dir: c.Dir, Stdin: strings.NewReader(c.Stdin), Stdout: &out, Stderr: &errOut}
	st := sdk.RunCommand(ctx, cmd, call)
	return Result{out.String(), errOut.String(), st}
}

// Complete returns cmd's candidates for args (the words after the
// command name; the last is being typed).
func Complete(cmd *sdk.Command, args ...string) []string {
	if cmd.Complete == nil {
		return nil
	}
	return cmd.Complete(args)
}
