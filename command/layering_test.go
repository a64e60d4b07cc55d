package command

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// layers ranks nsh's packages, lowest first: a package may import only
// packages of a lower rank, never one of its own rank or above (docs/
// design.md, "The packages"). Tests are not held to it.
var layers = [][]string{
	{"nsfs", "nsexec", "internal/walk", "internal/capture", "plugins/proto/v1"},
	{"nsctx", "nsinfo", "plugins/sdk"},
	{"command"},
	{"jobs"},
	{"builtins", "plugins"},
	{"lang", "plugins/sdk/sdktest"},
	{"repl"},
	{"cmd/nsh"},
}

// Packages that only these may import: the heavy or cgo parts are
// composed in main, so that a build without them is one line there.
var onlyFrom = map[string][]string{
	"plugins": {"cmd/nsh", "plugins/sdk/sdktest"}, // sdktest.RunBinary: nsh's real host in an author's test
	"nsexec":  {"cmd/nsh"},
}

// Packages outside the shell's layers: test helpers, benchmarks, tools and
// example plugins (which are held to importing only plugins/sdk).
var outside = []string{"internal/nstest", "internal/fakectx", "internal/podmantest", "bench", "tools", "plugins/examples", "plugins/internal"}

const module = "github.com/nsh-dev/nsh/"

func TestLayering(t *testing.T) {
	rank := map[string]int{}
	for r, pkgs := range layers {
		for _, p := range pkgs {
			rank[p] = r
		}
	}
	out, err := exec.Command("go", "list", "-json", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.ImportPath, module)
		r, ok := rank[name]
		if !ok {
			if isOutside(name) {
				for _, imp := range p.Imports {
					if strings.HasPrefix(name, "plugins/examples") && strings.HasPrefix(imp, module) && imp != module+"plugins/sdk" {
						t.Errorf("example plugin %s imports %s: examples use plugins/sdk only", name, imp)
					}
				}
				continue
			}
			t.Errorf("package %s has no layer: place it in layers (and in docs/design.md's map)", name)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			in := strings.TrimPrefix(imp, module)
			ir, ok := rank[in]
			if !ok {
				t.Errorf("%s imports %s, which is outside the layers", name, in)
			} else if from, ok := onlyFrom[in]; ok && !slices.Contains(from, name) {
				t.Errorf("%s imports %s, which only %v may import", name, in, from)
			} else if ir >= r {
				t.Errorf("%s (layer %d) imports %s (layer %d): a package imports only layers below its own", name, r, in, ir)
			}
		}
	}
}

func isOutside(name string) bool {
	for _, o := range outside {
		if name == o || strings.HasPrefix(name, o+"/") {
			return true
		}
	}
	return false
}
