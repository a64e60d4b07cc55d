package builtins

import (
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var localCmd = &Builtin{
	Name:    "local",
	Summary: "make variables local to the function running",
	Usage:   "local [-rx] NAME[=VALUE]...",
	Help: `Makes each NAME a variable of the function running: it starts unset
(or with VALUE), the function and what it calls see it, and the
variable of the same name outside comes back when the function returns.
Outside a function it is an error (status 1). -r makes them read-only
too, -x exported (as bash's).

  mkns() {
      local ns=$1 dev=veth-$1
      ip netns add "$ns" && ip link add "$dev" type veth peer name eth0 netns "$ns"
  }`,
	Options:  []string{"-r", "-x"},
	Operands: Variables,
	Thread:   true,
	Pure:     true,
	Run: func(env *command.Env, args []string) error {
		l, opts, ops, err := langOptions(env, args, "rx")
		if err != nil {
			return err
		}
		return eachName(env, ops, l.Local, func(name string) error {
			if strings.Contains(opts, "x") {
				l.Export(name)
			}
			if strings.Contains(opts, "r") {
				return l.ReadOnly(name)
			}
			return nil
		})
	},
}
