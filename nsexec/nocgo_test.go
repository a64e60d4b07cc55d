package nsexec

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Without cgo the build fails, and the compiler's message says why.
func TestBuildWithoutCgoSaysWhy(t *testing.T) {
	cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the build without cgo succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "nsh_needs_cgo__install_gcc_and_build_with_CGO_ENABLED_1") {
		t.Errorf("the build failed without saying why:\n%s", out)
	}
}
