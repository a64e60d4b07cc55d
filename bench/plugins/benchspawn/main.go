// Command benchspawn is the spawned side of the plugin benchmarks: a small
// Go program doing what the plugin command bnet does.
package main

import (
	"fmt"
	"os"
)

func main() {
	s, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(s)
}
