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

// Stages temptools (LFS chapter 6, cross-compiled) and chroot (chapter 7,
// rooted in the LFS tree): built on the toolchain stage, then the tools
// they made must work inside the tree: the native gcc of gcc pass 2 builds
// and runs a program against the new glibc, bash finds its working
// directory, perl and python run. Hours from nothing, seconds when cached.
func TestTempToolsAndChroot(t *testing.T) {
	needRoot(t)
	seedFor(t, "xlapp-debian")
	lfs := filepath.Join(t.TempDir(), "lfs")
	args := []string{"--manifest", "xlapp-debian", "--lfs", lfs}
	mustOK(t, xbuild(t, append(args, "stage", "chroot")...))

	check := `set -e
mkdir -p /tmp/t && cd /tmp/t
printf '#include <stdio.h>\nint main(void){puts("hello from lfs");return 0;}\n' > t.c
gcc t.c -o t
./t
readelf -l t | grep ': /lib64'
echo "pwd=$(pwd)"
perl -e 'print "perl $^V\n"'
python3 -c 'import sys; print("python", sys.version.split()[0])'
`
	r := xbuild(t, append(args, "shell", "chroot", "--", "/bin/bash", "-c", check)...)
	mustOK(t, r)
	for _, want := range []string{"hello from lfs", "[Requesting program interpreter: /lib64/ld-linux-x86-64.so.2]", "pwd=/tmp/t", "perl v5.40.1", "python 3.13.5"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("chroot check lacks %q:\n%s", want, r.stdout)
		}
	}
	r = xbuild(t, append(args, "stage", "chroot")...)
	mustOK(t, r)
	if !strings.Contains(r.stdout, "all cached") {
		t.Fatalf("second run was not a cache hit:\n%s%s", r.stdout, r.stderr)
	}
}
