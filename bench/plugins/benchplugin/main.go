// Command benchplugin is the plugin side of the plugin benchmarks: bnet
// prints the plugin process's net namespace, as benchspawn does.
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
	})
}
