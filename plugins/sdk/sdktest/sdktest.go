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
	// Where is what the host API answers (c.Host().Where); nil: the
	// host API fails, saying there is none.
	Where *sdk.Where
}

// Result is what the command wrote and its exit status.
type Result struct {
	Stdout, Stderr string
	Status         int
}

// Run runs cmd with c.
func Run(cmd *sdk.Command, c Call) Result {
	var out, errOut bytes.Buffer
	call := &sdk.Call{Args: c.Args, Env: c.Env, Dir: c.Dir, Stdin: strings.NewReader(c.Stdin), Stdout: &out, Stderr: &errOut}
	sdk.SetHost(call, c.host())
	st := sdk.RunCommand(c.ctx(), cmd, call)
	return Result{out.String(), errOut.String(), st}
}

// Complete returns cmd's candidates for args (the words after the
// command name; the last is being typed).
func Complete(cmd *sdk.Command, args ...string) []string {
	words, _ := CompleteWith(cmd, Call{Args: append([]string{cmd.Name}, args...)})
	return words
}

// CompleteWith completes the last of c.Args (Args[0] is the command's
// name) with c's env, dir and host API, and says whether nsh would add
// the matching file names too.
func CompleteWith(cmd *sdk.Command, c Call) (words []string, files bool) {
	var args []string
	if len(c.Args) > 1 {
		args = c.Args[1:]
	}
	cc := &sdk.CompleteCall{Args: args, Env: c.Env, Dir: c.Dir}
	return sdk.CompleteCommand(c.ctx(), cmd, cc, c.host())
}

func (c Call) ctx() context.Context {
	if c.Ctx == nil {
		return context.Background()
	}
	return c.Ctx
}

func (c Call) host() sdk.Host {
	if c.Where == nil {
		return nil
	}
	return fixedHost{c.Where}
}

// fixedHost answers what the test said.
type fixedHost struct{ w *sdk.Where }

func (h fixedHost) Where(context.Context) (*sdk.Where, error) { return h.w, nil }
