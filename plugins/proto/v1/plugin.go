package pluginv1

import (
	"context"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// GRPCPlugin adapts the Commands service to go-plugin. The plugin side sets
// Impl; the host side leaves it nil and gets a CommandsClient.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl CommandsServer
}

func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	RegisterCommandsServer(s, p.Impl)
	return nil
}

func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return NewCommandsClient(c), nil
}

// Plugins is the VersionedPlugins map for this version, serving srv (nil on
// the host side).
func Plugins(srv CommandsServer) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{Version: {PluginName: &GRPCPlugin{Impl: srv}}}
}
