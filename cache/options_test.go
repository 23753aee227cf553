package cache

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestClampMtimeAndProgress(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	must(t, "mkdir", os.Mkdir(src, 0o755))
	buildTree(t, src, fancyTree())
	// fixture mtimes run from 1.7e18 ns upwards, one second apart
	clamp := time.Unix(0, 1_700_000_005_000_000_000)
	s := newStore(t)
	var calls int
	var lastFiles, lastBytes int64
	d, err := s.Snapshot(ctx, src, SnapshotOptions{ClampMtime: &clamp, Progress: func(f, b int64) {
		calls++
		lastFiles, lastBytes = f, b
	}})
	must(t, "snapshot", err)
	if calls == 0 || lastFiles < 40 || lastBytes < 5<<20 {
		t.Errorf("progress: %d calls, last %d files %d bytes", calls, lastFiles, lastBytes)
	}
	tr, err := s.Tree(ctx, d)
	must(t, "tree", err)
	var clamped, kept int
	for _, e := range tr.Entries {
		switch {
		case e.MtimeNs > clamp.UnixNano():
			t.Errorf("%s: mtime %d after the clamp", e.Path, e.MtimeNs)
		case e.MtimeNs == clamp.UnixNano():
			clamped++
		case e.Type != TypeHardlink:
			kept++
		}
	}
	if clamped == 0 || kept == 0 {
		t.Errorf("clamped %d, kept %d: want some of each", clamped, kept)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	calls = 0
	must(t, "restore", s.Restore(ctx, d, dst, RestoreOptions{Progress: func(f, b int64) { calls++; lastFiles, lastBytes = f, b }}))
	if calls == 0 || lastBytes < 5<<20 {
		t.Errorf("restore progress: %d calls, last %d files %d bytes", calls, lastFiles, lastBytes)
	}
	if again := snap(t, s, dst, SnapshotOptions{Rehash: true}); again != d {
		t.Errorf("clamped snapshot restored and re-snapshotted: %s, want %s", again, d)
	}
}

// TestDependencies: the store never pulls in the container runtime.
func TestDependencies(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	must(t, "go list", err)
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "opencontainers/runc") || strings.Contains(dep, "libcontainer") {
			t.Errorf("cache depends on %s", dep)
		}
	}
}
