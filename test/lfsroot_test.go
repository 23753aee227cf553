package test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A stage rooted in the LFS tree runs its packages in a /build that is a
// directory of the tree, so that the classic getcwd (the one LFS chapter
// 6's cross-compiled bash uses) finds its way up, and /build never lands in
// the tree or its snapshot.
func TestLFSRootBuildDir(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	man := filepath.Join(dir, "lfsroot")
	copyDir(t, "testdata/lfsroot", man)
	// A new script each run: a cached stage from an earlier run would
	// prove nothing.
	f, err := os.OpenFile(filepath.Join(man, "scripts", "walk.sh"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "# run %d\n", time.Now().UnixNano())
	f.Close()
	lfs := filepath.Join(dir, "lfs")
	r := xbuild(t, "--manifest", man, "--lfs", lfs, "stage", "walk")
	mustOK(t, r)
	if !strings.Contains(r.stderr, "walk: building") {
		t.Fatalf("package walk did not run:\n%s", r.stderr)
	}
	got, err := os.ReadFile(filepath.Join(lfs, "walk-ok"))
	if err != nil {
		t.Fatalf("the walk package left no /walk-ok: %v", err)
	}
	if strings.TrimSpace(string(got)) != "/build/sub/deeper" {
		t.Fatalf("walkcwd in the sandbox found %q", got)
	}
	if _, err := os.Lstat(filepath.Join(lfs, "build")); !os.IsNotExist(err) {
		t.Fatalf("the LFS tree still has /build after the stage: %v", err)
	}
	rows := plan(t, "--manifest", man)
	out := filepath.Join(dir, "restored")
	mustOK(t, xbuild(t, "--manifest", man, "restore", "walk", "--to", out))
	if _, err := os.Lstat(filepath.Join(out, "build")); !os.IsNotExist(err) {
		t.Fatalf("snapshot %s of stage walk holds /build: %v", rows[1].Snapshot, err)
	}
}
