// Command nsh-plugin-whereami is an example nsh plugin that proves where a
// plugin runs: whereami prints the plugin process's pid, the hostname, and
// the inode of each of its namespaces; nsinode prints one of them.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/nsh-dev/nsh/plugins/sdk"
)

var kinds = []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}

func main() {
	sdk.Serve("1.0.0",
		&sdk.Command{
			Name:    "whereami",
			Summary: "show the plugin process's pid, hostname and namespaces",
			Help: `Prints the pid of the plugin process serving the call, the hostname it
sees, and the inode of each of its namespaces (as readlink /proc/self/ns/*
would). Compare with 'ns': they match the shell's context.`,
			Run: whereami,
		},
		&sdk.Command{
			Name:     "nsinode",
			Summary:  "print the inode of one namespace of the plugin process",
			Usage:    "nsinode KIND",
			Run:      nsinode,
			Complete: func([]string) []string { return kinds },
		})
}

func whereami(_ context.Context, c *sdk.Call) int {
	host, err := os.Hostname()
	if err != nil {
		host = "? (" + err.Error() + ")"
	}
	fmt.Fprintf(c.Stdout, "pid      %d\nhostname %s\n", os.Getpid(), host)
	for _, k := range kinds {
		fmt.Fprintf(c.Stdout, "%-8s %s\n", k, link(k))
	}
	return 0
}

func nsinode(_ context.Context, c *sdk.Call) int {
	if len(c.Args) != 2 {
		fmt.Fprintf(c.Stderr, "usage: nsinode KIND (one of %s)\n", strings.Join(kinds, " "))
		return 2
	}
	fmt.Fprintln(c.Stdout, link(c.Args[1]))
	return 0
}

// link is the namespace's inode, from readlink /proc/self/ns/KIND.
func link(kind string) string {
	s, err := os.Readlink("/proc/self/ns/" + kind)
	if err != nil {
		return "? (" + err.Error() + ")"
	}
	if _, rest, ok := strings.Cut(s, "["); ok {
		return strings.TrimSuffix(rest, "]")
	}
	return s
}
