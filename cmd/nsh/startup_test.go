package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every start of nsh (nsh -c, each script another tool runs) pays its
// packages' init: nsh's own packages do there only what cannot wait
// until a command needs it (a regexp, a table of names: sync.OnceValue).
// Allocations, not time, so that the count does not depend on the load.
func TestInitIsCheap(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	line := regexp.MustCompile(`(?m)^init (github\.com/nsh-dev/nsh/\S+) @.* (\d+) allocs$`)
	found := 0
	for _, m := range line.FindAllStringSubmatch(string(out), -1) {
		pkg := strings.TrimPrefix(m[1], "github.com/nsh-dev/nsh/")
		if strings.HasPrefix(pkg, "internal/nstest") || strings.HasPrefix(pkg, "internal/podmantest") {
			continue // test helpers
		}
		found++
		if n, _ := strconv.Atoi(m[2]); n > 64 {
			t.Errorf("package %s allocates %d times at init (at most 64): make what it builds lazy", pkg, n)
		}
	}
	if found < 5 {
		t.Fatalf("inittrace named %d of nsh's packages:\n%s", found, out)
	}
}

// k8s.io/cri-api's generated package registers its whole descriptor at
// init (about 0.7 ms of every start); nsinfo speaks the few CRI messages
// it needs by hand (cri_wire.go), and only the tests use cri-api.
func TestNoCRIAPIInBinary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "k8s.io/cri-api") {
			t.Errorf("nsh links %s", p)
		}
	}
}
