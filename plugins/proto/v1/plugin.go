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

func (p *GRPCPlugin) GRPCServer(b *plugin.GRPCBroker, s *grpc.Server) error {
	if u, ok := p.Impl.(interface{ UseBroker(*plugin.GRPCBroker) }); ok {
		u.UseBroker(b) // to dial the host's Host service
	}
	RegisterCommandsServer(s, p.Impl)
	return nil
}

func (p *GRPCPlugin) GRPCClient(_ context.Context, b *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return &Client{NewCommandsClient(c), b}, nil
}

// Client is the host's side of a plugin process: its Commands service,
// and the broker through which the host offers its Host service.
type Client struct {
	CommandsClient
	Broker *plugin.GRPCBroker
}

// Plugins is the VersionedPlugins map for this version, serving srv (nil on
// the host side).
func Plugins(srv CommandsServer) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{Version: {PluginName: &GRPCPlugin{Impl: srv}}}
}
