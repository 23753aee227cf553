//go:build e2e

package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The whole toolchain stage (LFS chapter 5) from real tarballs, then the
// LFS book's sanity check inside the sandbox, then a second run that must
// be a cache hit, then verify. Takes the better part of an hour here.
func TestToolchainStage(t *testing.T) {
	needRoot(t)
	seedFor(t, "xlapp-debian")
	lfs := filepath.Join(t.TempDir(), "lfs")
	args := []string{"--manifest", "xlapp-debian", "--lfs", lfs}
	mustOK(t, xbuild(t, append(args, "stage", "toolchain")...))

	// LFS 5.5's sanity check: compile and link against the new glibc; the
	// interpreter must be the one in /lib64.
	check := `set -e
cd "$(mktemp -d)"
echo 'int main(){}' | /mnt/lfs/tools/bin/x86_64-lfs-linux-gnu-gcc -xc - -o a.out
readelf -l a.out | grep ': /lib64'
`
	r := xbuild(t, append(args, "shell", "toolchain", "--", "bash", "-c", check)...)
	mustOK(t, r)
	if !strings.Contains(r.stdout, "[Requesting program interpreter: /lib64/ld-linux-x86-64.so.2]") {
		t.Fatalf("sanity check: %q", r.stdout)
	}
	r = xbuild(t, append(args, "stage", "toolchain")...)
	mustOK(t, r)
	if !strings.Contains(r.stdout, "all cached") {
		t.Fatalf("second run was not a cache hit:\n%s%s", r.stdout, r.stderr)
	}
	if os.Getenv("XBUILD_E2E_VERIFY") != "" {
		r = xbuild(t, append(args, "verify", "toolchain")...)
		t.Logf("verify toolchain: exit %d\n%s", r.code, r.stdout)
	}
}
