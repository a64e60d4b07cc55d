// Command nsh-plugin-netinfo is an example nsh plugin: netinfo prints the
// network interfaces of the namespace context, one per line with state and
// addresses. Build it as nsh-plugin-netinfo into a plugin directory:
//
//	go build -o ~/.local/share/nsh/plugins/nsh-plugin-netinfo ./plugins/examples/netinfo
package main

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/nsh-dev/nsh/plugins/sdk"
)

func main() {
	sdk.Serve("1.0.0", &sdk.Command{
		Name:    "netinfo",
		Summary: "list the network interfaces of the current net namespace",
		Usage:   "netinfo [INTERFACE...]",
		Help: `Prints one line per interface: name, state (UP or DOWN), and its
addresses. The plugin runs inside the shell's namespace context, so after
'unshare net' it shows only lo.`,
		Run:      run,
		Complete: complete,
	})
}

func run(_ context.Context, c *sdk.Call) int {
	ifs, err := net.Interfaces()
	if err != nil {
		fmt.Fprintf(c.Stderr, "netinfo: %v\n", err)
		return 1
	}
	want := map[string]bool{}
	for _, a := range c.Args[1:] {
		want[a] = true
	}
	status := 0
	for _, a := range c.Args[1:] {
		if !has(ifs, a) {
			fmt.Fprintf(c.Stderr, "netinfo: no interface %q in this net namespace\n", a)
			status = 1
		}
	}
	for _, i := range ifs {
		if len(want) > 0 && !want[i.Name] {
			continue
		}
		state := "DOWN"
		if i.Flags&net.FlagUp != 0 {
			state = "UP"
		}
		var addrs []string
		as, _ := i.Addrs()
		for _, a := range as {
			addrs = append(addrs, a.String())
		}
		line := fmt.Sprintf("%-16s %-4s %s", i.Name, state, strings.Join(addrs, " "))
		fmt.Fprintln(c.Stdout, strings.TrimRight(line, " "))
	}
	return status
}

func has(ifs []net.Interface, name string) bool {
	for _, i := range ifs {
		if i.Name == name {
			return true
		}
	}
	return false
}

// complete offers the interface names of the context's net namespace.
func complete([]string) []string {
	ifs, _ := net.Interfaces()
	var names []string
	for _, i := range ifs {
		names = append(names, i.Name)
	}
	return names
}
