package report

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoLibcontainer guards the dependency direction: verify's libraries
// describe and explain; they never run containers.
func TestNoLibcontainer(t *testing.T) {
	for _, pkg := range []string{"../explain", "../vary", "."} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			if strings.Contains(dep, "opencontainers/runc") || strings.HasSuffix(dep, "xbuild/sandbox/runc") {
				t.Errorf("%s depends on %s", pkg, dep)
			}
		}
	}
}
