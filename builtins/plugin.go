package builtins

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

var pluginCmd = &Builtin{
	Name:    "plugin",
	Summary: "load, unload and list plugins (commands from other programs)",
	Usage:   "plugin list\nplugin load PATH\nplugin unload NAME",
	Help: `Plugins are programs named nsh-plugin-NAME that provide commands. nsh
finds them in the directories of $NSH_PLUGIN_PATH (colon-separated), else
in $XDG_DATA_HOME/nsh/plugins (~/.local/share/nsh/plugins), and starts one
only when one of its commands is first used, inside the current namespace
context: a plugin command sees the namespaces the shell is in.

  plugin list         each plugin: name, version, commands, path; a command
                      that a builtin (or an earlier plugin) shadows is marked
  plugin load PATH    load the plugin file PATH now
  plugin unload NAME  forget a plugin and stop its processes

A plugin file, or a directory above it, that anyone but its owner and root
can write is refused. Builtins win a name clash. See docs/plugins.md.`,
	Options:  []string{"list", "load", "unload"},
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
	// and completion; Complete asks a plugin to complete its command.
	Commands() []PluginCommand
	Complete(name string, args []string) []string
	// Settled reports whether name is a plugin command, answered from
	// memory only: settled is false while plugins are still to be found
	// or described (which reads files in nsh's home mount namespace).
	Settled(name string) (plugin, settled bool)
}

// PluginInfo describes one plugin for `plugin list`.
type PluginInfo struct {
	Name, Version, Path string
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

// LookupPluginCommand finds a plugin command by name, for help and completion.
func LookupPluginCommand(name string) (PluginCommand, bool) {
	for _, c := range PluginCommands() {
		if c.Name == name {
			return c, true
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
	default:
		return usageError("unknown subcommand %q (list, load, unload)", sub)
	}
}

func listPlugins(env *Env, ps []PluginInfo) error {
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PLUGIN\tVERSION\tCOMMANDS\tPATH")
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
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.Name, v, list, p.Path)
	}
	return w.Flush()
}
