package builtins

import (
	"fmt"
	"strings"
	"text/tabwriter"
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

// PluginHost is the shell's plugin host, reached through this interface
// because package plugins imports builtins. repl.Main sets Plugins; when it
// is nil (a shell without plugins) the plugin builtin says so.
type PluginHost interface {
	Load(path string) (PluginInfo, error)
	Unload(name string) error
	List() []PluginInfo
	// Commands are the plugin commands in effect (not shadowed), for help
	// and completion; Complete asks a plugin to complete its command
	// (args: the words after it, env: the exported environment); files:
	// file names are to be offered too.
	Commands() []PluginCommand
	Complete(name string, args, env []string) (cands []string, files bool)
	// Settled reports whether name is a plugin command, answered from
	// memory only: settled is false while plugins are still to be found
	// or described (which reads files in nsh's home mount namespace).
	Settled(name string) (plugin, settled bool)
	// Log is the path of a plugin's log and its last lines; Rescan finds
	// the plugins afresh; Unusable explains why name, a plugin's name,
	// cannot run (nil if it can or is no plugin's).
	Log(name string, lines int) (path, text string, err error)
	Rescan() error
	Unusable(name string) error
}

// PluginInfo describes one plugin for `plugin list`.
type PluginInfo struct {
	Name, Version, Path string
	Origin              string // where it was found: user, local, system, NSH_PLUGIN_PATH, loaded
	Commands            []string
	Shadowed            map[string]string // command -> what wins over it
	Err                 string            // why it is not usable: "refused: ..." or "broken: ..."
}

// PluginCommand is one command a plugin provides.
type PluginCommand struct {
	Name, Summary, Usage, Help, Plugin string
}

// Plugins is the hook to the plugin host; nil until repl.Main sets it.
var Plugins PluginHost

// PluginCommands lists the plugin commands for help and completion.
func PluginCommands() []PluginCommand {
	if Plugins == nil {
		return nil
	}
	return Plugins.Commands()
}

// LookupPluginCommand finds a plugin command by name, for help and
// completion. A plugin of that name that cannot run is found too, with
// why as its help.
func LookupPluginCommand(name string) (PluginCommand, bool) {
	for _, c := range PluginCommands() {
		if c.Name == name {
			return c, true
		}
	}
	if Plugins != nil {
		if err := Plugins.Unusable(name); err != nil {
			return PluginCommand{Name: name, Usage: name, Help: err.Error(), Plugin: name}, true
		}
	}
	return PluginCommand{}, false
}

func runPlugin(env *Env, args []string) error {
	if len(args) < 2 {
		return usageError("no subcommand given")
	}
	if Plugins == nil {
		return fmt.Errorf("plugins are not available in this shell")
	}
	switch sub, ops := args[1], args[2:]; sub {
	case "list":
		if len(ops) > 0 {
			return usageError("list takes no operands")
		}
		return listPlugins(env, Plugins.List())
	case "load":
		if len(ops) != 1 {
			return usageError("load needs one PATH")
		}
		info, err := Plugins.Load(ops[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "loaded %s %s: %s\n", info.Name, info.Version, strings.Join(info.Commands, " "))
		return nil
	case "unload":
		if len(ops) != 1 {
			return usageError("unload needs one NAME")
		}
		return Plugins.Unload(ops[0])
	case "log":
		if len(ops) != 1 {
			return usageError("log needs one NAME")
		}
		path, text, err := Plugins.Log(ops[0], 100)
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
		return Plugins.Rescan()
	default:
		return usageError("unknown subcommand %q (list, load, unload, log, rescan)", sub)
	}
}

func listPlugins(env *Env, ps []PluginInfo) error {
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
