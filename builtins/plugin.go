package builtins

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/nsh-dev/nsh/command"
)

var pluginCmd = &Builtin{
	Name:    "plugin",
	Summary: "load, unload and list plugins (commands from other programs)",
	Usage:   "plugin list\nplugin load PATH\nplugin unload NAME\nplugin log NAME\nplugin rescan",
	Help: `Plugins are programs named nsh-plugin-NAME that provide commands. nsh
finds them in the directories of $NSH_PLUGIN_PATH (colon-separated, absolute
paths only), else in $XDG_DATA_HOME/nsh/plugins (~/.local/share/nsh/plugins),
then /usr/local/lib/nsh/plugins, then /usr/lib/nsh/plugins; the first usable
one of a name wins. It starts one only when one of its commands is first
used, inside the current namespace context: a plugin command sees the
namespaces the shell is in.

  plugin list         each plugin: name, version, commands, where it came
                      from, path; a command that a builtin (or an earlier
                      plugin) shadows is marked
  plugin load PATH    load the plugin file PATH now
  plugin unload NAME  forget a plugin and stop its processes
  plugin log NAME     the last lines of the plugin's log (its processes'
                      stderr: $XDG_STATE_HOME/nsh/plugins/NAME.log)
  plugin rescan       look for plugins again, and retry the broken ones

A plugin file, or a directory above it, that anyone but its owner and root
can write is refused. Builtins win a name clash. See docs/plugins.md.`,
	Options:  []string{"list", "load", "unload", "log", "rescan"},
	Operands: Files,
	Run:      runPlugin,
}

// pluginHost is the shell's plugin host, nil when there is none (a
// shell without the language, an nsh built without plugins).
func pluginHost(env *command.Env) command.PluginHost {
	if l, ok := env.Shell.(Lang); ok {
		return l.Plugins()
	}
	return nil
}

// PluginCommands lists the plugin commands for help and completion.
func PluginCommands(host command.PluginHost) []command.PluginCommand {
	if host == nil {
		return nil
	}
	return host.Commands()
}

// LookupPluginCommand finds a plugin command by name, for help and
// completion. A plugin of that name that cannot run is found too, with
// why as its help.
func LookupPluginCommand(host command.PluginHost, name string) (command.PluginCommand, bool) {
	for _, c := range PluginCommands(host) {
		if c.Name == name {
			return c, true
		}
	}
	if host != nil {
		if err := host.Unusable(name); err != nil {
			return command.PluginCommand{Name: name, Usage: name, Help: err.Error(), Plugin: name}, true
		}
	}
	return command.PluginCommand{}, false
}

// errNoPlugins is the plugin builtin of an nsh built without plugins
// (cmd/nsh -tags noplugins) or of a shell given no plugin host.
var errNoPlugins = errors.New("plugins are not built into this nsh")

func runPlugin(env *command.Env, args []string) error {
	if len(args) < 2 {
		return usageError("no subcommand given")
	}
	host := pluginHost(env)
	if host == nil {
		return errNoPlugins
	}
	switch sub, ops := args[1], args[2:]; sub {
	case "list":
		if len(ops) > 0 {
			return usageError("list takes no operands")
		}
		return listPlugins(env, host.List())
	case "load":
		if len(ops) != 1 {
			return usageError("load needs one PATH")
		}
		info, err := host.Load(ops[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "loaded %s %s: %s\n", info.Name, info.Version, strings.Join(info.Commands, " "))
		return nil
	case "unload":
		if len(ops) != 1 {
			return usageError("unload needs one NAME")
		}
		return host.Unload(ops[0])
	case "log":
		if len(ops) != 1 {
			return usageError("log needs one NAME")
		}
		path, text, err := host.Log(ops[0], 100)
		if err != nil {
			return err
		}
		if text == "" {
			fmt.Fprintf(env.Stdout, "%s: empty\n", path)
			return nil
		}
		fmt.Fprintf(env.Stdout, "%s (its last lines):\n%s\n", path, text)
		return nil
	case "rescan":
		if len(ops) > 0 {
			return usageError("rescan takes no operands")
		}
		return host.Rescan()
	default:
		return usageError("unknown subcommand %q (list, load, unload, log, rescan)", sub)
	}
}

func listPlugins(env *command.Env, ps []command.PluginInfo) error {
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PLUGIN\tVERSION\tCOMMANDS\tFROM\tPATH")
	for _, p := range ps {
		var cmds []string
		for _, c := range p.Commands {
			if by, ok := p.Shadowed[c]; ok {
				c += "(shadowed by " + by + ")"
			}
			cmds = append(cmds, c)
		}
		list := strings.Join(cmds, ",")
		if p.Err != "" {
			list = "(" + p.Err + ")"
		}
		if list == "" {
			list = "-"
		}
		v := p.Version
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Name, v, list, p.Origin, p.Path)
	}
	return w.Flush()
}
