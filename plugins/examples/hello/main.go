// nsh-plugin-hello: the plugin docs/plugins.md walks through. It has
// options, errors with statuses, a call to nsh's host API and completion.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/nsh-dev/nsh/plugins/sdk"
)

var hello = &sdk.Command{
	Name:    "hello",
	Summary: "greet from the current namespace context",
	Usage:   "hello [-loud] [-where] [-via IFACE] [NAME]",
	RunE: func(ctx context.Context, c *sdk.Call) error {
		fs := c.Flags() // -h and --help print Usage; a bad flag is status 2
		loud := fs.Bool("loud", false, "shout")
		where := fs.Bool("where", false, "say where the shell is (asks nsh)")
		via := fs.String("via", "", "say it over this interface (must exist here)")
		if err := c.Parse(fs); err != nil {
			return err
		}
		if *via != "" {
			if _, err := net.InterfaceByName(*via); err != nil {
				return sdk.Exit(3, "no interface "+*via+" in this network namespace")
			}
		}
		host, err := os.Hostname() // the context's UTS namespace
		if err != nil {
			return err // status 1, "hello: ..." on stderr
		}
		name := "world"
		if fs.NArg() > 0 {
			name = fs.Arg(0)
		}
		msg := fmt.Sprintf("hello %s, from %s", name, host)
		if *where {
			// nsh's host API: where the shell's namespace context is.
			w, err := c.Host().Where(ctx)
			if err != nil {
				return err
			}
			msg += " (" + place(w) + ")"
		}
		if *loud {
			msg = strings.ToUpper(msg)
		}
		fmt.Fprintln(c.Stdout, msg)
		return nil
	},
	// Runs in the plugin's process, in the context: net.Interfaces are the
	// interfaces of the shell's current network namespace.
	CompleteE: func(ctx context.Context, c *sdk.CompleteCall) ([]string, error) {
		if n := len(c.Args); n >= 2 && c.Args[n-2] == "-via" {
			ifs, err := net.Interfaces()
			if err != nil {
				return nil, err // in the plugin's log (plugin log hello)
			}
			var out []string
			for _, i := range ifs {
				out = append(out, i.Name)
			}
			return out, nil
		}
		if strings.HasPrefix(c.Word(), "-") {
			return []string{"-loud", "-where", "-via"}, nil
		}
		// A NAME: the user, or the ip netns name of the shell's netns (an
		// nsh without the host API gets the user alone).
		out := []string{c.Getenv("USER")}
		if w, err := c.Host().Where(ctx); err == nil {
			if ns, ok := w.Kind("net"); ok {
				out = append(out, ns.Names...)
			}
		}
		return out, nil // no file names: it does not call c.AddFiles
	},
}

// place says where w is: "home", or the kinds away from home ("net=lab",
// "uts:4026532301") and the push depth.
func place(w *sdk.Where) string {
	var parts []string
	for _, ns := range w.Away {
		if len(ns.Names) > 0 {
			parts = append(parts, ns.Kind+"="+ns.Names[0])
		} else {
			parts = append(parts, fmt.Sprintf("%s:%d", ns.Kind, ns.Ino))
		}
	}
	if len(parts) == 0 {
		parts = []string{"home"}
	}
	if w.Depth > 0 {
		parts = append(parts, fmt.Sprintf("depth %d", w.Depth))
	}
	return strings.Join(parts, " ")
}

func main() { sdk.Serve("0.1.0", hello) }
