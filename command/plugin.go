package command

// PluginHost is the shell's plugin host (package plugins' Host), as the
// shell, its builtins (plugin, help, type) and completion reach it.
// cmd/nsh composes one in, or none: a shell without plugins has a nil
// PluginHost.
type PluginHost interface {
	// Handler is the middleware that runs plugin commands; what is no
	// plugin command goes on to next.
	Handler(next Handler) Handler
	Load(path string) (PluginInfo, error)
	Unload(name string) error
	List() []PluginInfo
	// Commands are the plugin commands in effect (not shadowed), for help
	// and completion; CommandNames are their names; Complete asks a
	// plugin to complete its command (args: the words after it, env: the
	// exported environment); files: file names are to be offered too.
	Commands() []PluginCommand
	CommandNames() []string
	Complete(name string, args, env []string) (cands []string, files bool)
	// Settled reports whether name is a plugin command, answered from
	// memory only: settled is false while plugins are still to be found
	// or described (which reads files in nsh's home mount namespace).
	// Has is the sure answer, describing plugins if it must.
	Settled(name string) (plugin, settled bool)
	Has(name string) bool
	// Log is the path of a plugin's log and its last lines; Rescan finds
	// the plugins afresh; Unusable explains why name, a plugin's name,
	// cannot run (nil if it can or is no plugin's).
	Log(name string, lines int) (path, text string, err error)
	Rescan() error
	Unusable(name string) error
	// Close stops the plugins' processes.
	Close() error
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
