package plugins

import (
	"os"
	"strings"
	"testing"
)

// The plugin docs/plugins.md shows an author is examples/hello, as it
// is built and tested: the docs hold its files verbatim.
func TestDocsShowTheHelloExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/plugins.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"examples/hello/main.go", "examples/hello/main_test.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc), "```go\n"+string(b)+"```\n") {
			t.Errorf("docs/plugins.md does not show %s as it is", f)
		}
	}
}
