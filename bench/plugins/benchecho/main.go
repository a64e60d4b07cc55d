// Command benchecho is the far side of BenchmarkSocketRoundTrip: it answers
// each message read on fd 3, a unix stream socket, with one of the size of
// a warm call's reply. It is what a warm plugin call costs at the least:
// one write and one wake-up each way between two Go processes.
package main

import (
	"os"
	"strconv"
)

func main() {
	n, _ := strconv.Atoi(os.Getenv("BENCHECHO_REPLY"))
	sock := os.NewFile(3, "socket") // blocking, as the benchmark made it
	reply := make([]byte, max(n, 1))
	buf := make([]byte, 32<<10)
	for {
		if _, err := sock.Read(buf); err != nil {
			os.Exit(0)
		}
		if _, err := sock.Write(reply); err != nil {
			os.Exit(0)
		}
	}
}
