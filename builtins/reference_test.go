package builtins

import (
	"bytes"
	"flag"
	"os"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite docs/builtins.md from the table")

// The reference in docs/ is the table's: it cannot drift from the code.
func TestReferenceIsCurrent(t *testing.T) {
	var b bytes.Buffer
	WriteReference(&b)
	const path = "../docs/builtins.md"
	if *updateDocs {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, b.Bytes()) {
		t.Error("docs/builtins.md is out of date: go test ./builtins -update-docs")
	}
}
