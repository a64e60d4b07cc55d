// Command benchplugin is the plugin side of the plugin benchmarks: bnet
// prints the plugin process's net namespace, as benchspawn does; bwhere
// asks nsh's host API where the context is and prints how many kinds are
// away from home.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/nsh-dev/nsh/plugins/sdk"
)

func main() {
	sdk.Serve("1.0.0", &sdk.Command{
		Name:    "bnet",
		Summary: "print the net namespace (benchmark)",
		Run: func(_ context.Context, c *sdk.Call) int {
			s, err := os.Readlink("/proc/self/ns/net")
			if err != nil {
				fmt.Fprintln(c.Stderr, err)
				return 1
			}
			fmt.Fprintln(c.Stdout, s)
			return 0
		},
	}, &sdk.Command{
		Name:    "bwhere",
		Summary: "ask the host API where the context is (benchmark)",
		RunE: func(ctx context.Context, c *sdk.Call) error {
			w, err := c.Host().Where(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.Stdout, len(w.Away))
			return nil
		},
	})
}
