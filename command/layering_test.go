package command

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering keeps the packages in their order (docs/design.md): none
// imports one above it, so that the contract stays below its users and a
// build without plugins stays possible.
func TestLayering(t *testing.T) {
	const nsh = "github.com/nsh-dev/nsh/"
	for pkg, above := range map[string][]string{
		"command":  {"jobs", "builtins", "plugins", "lang", "repl"},
		"jobs":     {"builtins", "plugins", "lang", "repl"},
		"builtins": {"plugins", "lang", "repl"},
		"plugins":  {"builtins", "lang", "repl"},
		"lang":     {"plugins", "repl"},
		"repl":     {"plugins"},
	} {
		out, err := exec.Command("go", "list", "-deps", nsh+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := map[string]bool{}
		for _, d := range strings.Fields(string(out)) {
			deps[d] = true
		}
		for _, a := range above {
			if deps[nsh+a] {
				t.Errorf("%s imports %s, which is above it", pkg, a)
			}
		}
	}
}
