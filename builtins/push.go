package builtins

import "github.com/nsh-dev/nsh/command"

var pushCmd = &Builtin{
	Name:    "push",
	Summary: "save the context on a stack (pop returns to it)",
	Usage:   "push [TARGET [KIND] | -t PID [KIND...] | ENGINE:NAME [KIND...]]",
	Help: `Saves the context (namespaces and working directory) on a stack. With
operands, then joins them as setns does; if joining fails, the saved entry
is dropped again and the context is unchanged.

  push; setns /tmp/lab/net; ip -o link; pop
  push -t 1234 net          # the same in one step
  push podman:web; hostname; pop`,
	Options:  []string{"-t"},
	Operands: Pins,
	Moves:    true,
	Run:      runPush,
}

func runPush(env *command.Env, args []string) error {
	if err := env.Ctx.Push(); err != nil {
		return err
	}
	if len(args) == 1 {
		return nil
	}
	sargs := append([]string{"setns"}, args[1:]...)
	if err := runSetns(env, sargs); err != nil {
		env.Ctx.Drop()
		return err
	}
	return nil
}
