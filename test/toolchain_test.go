package test

import (
	"path/filepath"
	"strings"
	"testing"
)

// seedFor makes sure the manifest's seed is in the shared store: a
// debootstrap of about two minutes the first time on a machine.
func seedFor(t *testing.T, manifest string) {
	t.Helper()
	r := xbuild(t, "--manifest", manifest, "plan", "--json")
	mustOK(t, r)
	if !strings.Contains(r.stdout, "no seed") {
		return
	}
	mustOK(t, xbuild(t, "--manifest", manifest, "seed", "debootstrap"))
}

// One real package of the XLAPP toolchain stage, from its real tarball, in
// the sandbox: binutils pass 1 (LFS 5.2), built with Debian's orig file
// (xlapp-debian pins what this machine can fetch). The cross linker it
// installs must run.
func TestToolchainBinutilsPass1(t *testing.T) {
	needRoot(t)
	seedFor(t, "xlapp-debian")
	lfs := filepath.Join(t.TempDir(), "lfs")
	r := xbuild(t, "--manifest", "xlapp-debian", "--lfs", lfs, "stage", "toolchain", "--until", "binutils-pass1")
	mustOK(t, r)
	r = xbuild(t, "--manifest", "xlapp-debian", "--lfs", lfs, "shell", "toolchain", "--",
		"/mnt/lfs/tools/bin/x86_64-lfs-linux-gnu-ld", "--version")
	mustOK(t, r)
	if !strings.Contains(r.stdout, "GNU ld") {
		t.Fatalf("cross ld --version: %q", r.stdout)
	}
	// Binutils pass 1 is reproducible: a rebuild with every variation on
	// gives the same bits.
	r = xbuild(t, "--manifest", "xlapp-debian", "--lfs", lfs, "verify", "toolchain", "--until", "binutils-pass1")
	if r.code != 0 {
		t.Fatalf("verify toolchain --until binutils-pass1: exit %d\n%s", r.code, r.stdout)
	}
	// The same prefix again is a cache hit: nothing is built.
	r = xbuild(t, "--manifest", "xlapp-debian", "--lfs", lfs, "stage", "toolchain", "--until", "binutils-pass1")
	mustOK(t, r)
	if strings.Contains(r.stderr, ": building") {
		t.Fatalf("second run built again:\n%s", r.stderr)
	}
}
