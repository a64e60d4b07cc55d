package pluginv1

import plugin "github.com/hashicorp/go-plugin"

// Version is this protocol's number in go-plugin's VersionedPlugins.
const Version = 1

// PluginName is the key of the Commands service in go-plugin's plugin set.
const PluginName = "commands"

// Handshake lets a plugin binary tell that nsh started it. The cookie is a
// usability check (a plugin run by hand explains itself and exits), not
// security: see the trust model in docs/plugins.md.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  Version,
	MagicCookieKey:   "NSH_PLUGIN_COOKIE",
	MagicCookieValue: "nsh-namespace-shell-plugin",
}
