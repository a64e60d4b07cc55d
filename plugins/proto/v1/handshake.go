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

// Minor is the protocol's minor version: additions within protocol 1 that
// old peers ignore. A plugin's Describe answer carries, in its gRPC header,
// the minor it speaks (MinorKey) and the least minor it needs of the host
// (NeedsKey); the host refuses one that needs more than it speaks, saying
// so. A plugin that sends neither (the first SDK) speaks minor 0.
//
//	0: the first SDK
//	1: os.Stdout during a call reaches the call (in order), RunE
//	2: the host API (host.proto), completion with the env, the working
//	   directory and the host API, file names added only when asked
//	3: calls on a socket of their own (calls.go) rather than the Run stream
//	4: calls on two sockets, one each way (CallsHelloIn)
const Minor = 4

const (
	MinorKey = "nsh-protocol-minor"
	NeedsKey = "nsh-needs-host-minor"
)
