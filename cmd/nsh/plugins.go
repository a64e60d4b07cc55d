//go:build !noplugins

package main

import (
	"io"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/plugins"
	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
	"github.com/nsh-dev/nsh/repl"
)

// The plugin host; go build -tags noplugins leaves this file, and with it
// package plugins and go-plugin, out.
func init() { options = append(options, repl.WithPlugins(pluginv1.Version, newPluginHost)) }

func newPluginHost(ctx *nsctx.Context, environ []string, stderr io.Writer) command.PluginHost {
	h := plugins.NewHost(ctx, environ, stderr)
	h.IsBuiltin = func(name string) bool { _, ok := builtins.Lookup(name); return ok }
	return h
}
