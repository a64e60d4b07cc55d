package builtins

import (
	"fmt"
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var helpCmd = &Builtin{
	Name:     "help",
	Summary:  "list the builtins, or show how to use one",
	Usage:    "help [NAME]",
	Help:     `Without NAME, lists every builtin with a one-line summary.`,
	Operands: Names,
	Run:      runHelp,
}

func runHelp(env *command.Env, args []string) error {
	switch len(args) {
	case 1:
		fmt.Fprintln(env.Stdout, "nsh builtins (help NAME for more; other words run programs in the context):")
		for _, b := range Table() {
			fmt.Fprintf(env.Stdout, "  %-8s %s\n", b.Name, b.Summary)
		}
		if pcs := PluginCommands(pluginHost(env)); len(pcs) > 0 {
			fmt.Fprintln(env.Stdout, "plugin commands:")
			for _, c := range pcs {
				fmt.Fprintf(env.Stdout, "  %-8s %s (plugin %s)\n", c.Name, c.Summary, c.Plugin)
			}
		}
		return nil
	case 2:
		b, ok := Lookup(args[1])
		if pc, isPlugin := LookupPluginCommand(pluginHost(env), args[1]); !ok && isPlugin {
			b = &Builtin{Usage: pc.Usage, Help: pc.Help + "\n(a command of plugin " + pc.Plugin + ")"}
		} else if !ok {
			return fmt.Errorf("no builtin named %q, nor plugin command (help lists them)", args[1])
		}
		fmt.Fprintf(env.Stdout, "usage: %s\n\n%s\n", strings.ReplaceAll(b.Usage, "\n", "\n       "), b.HelpText())
		return nil
	}
	return usageError("too many operands")
}
