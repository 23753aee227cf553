package cache

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func snap(t testing.TB, s *Store, dir string, opts SnapshotOptions) digest.Digest {
	t.Helper()
	d, err := s.Snapshot(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRoundTrip(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	must(t, "mkdir", os.Mkdir(src, 0o751))
	buildTree(t, src, fancyTree())
	before := observe(t, src)

	s := newStore(t)
	d := snap(t, s, src, SnapshotOptions{})
	dst := filepath.Join(t.TempDir(), "dst")
	if err := s.Restore(ctx, d, dst, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	compareObserved(t, before, observe(t, dst))
	if again := snap(t, s, dst, SnapshotOptions{Rehash: true}); again != d {
		t.Errorf("restored tree snapshots to %s, want %s", again, d)
		a, _ := s.Tree(ctx, d)
		b, _ := s.Tree(ctx, again)
		for _, c := range Diff(a, b) {
			t.Logf("%s %s", c.Kind, c.Path)
		}
	}

	tr, err := s.Tree(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[EntryType]int{}
	for _, e := range tr.Entries {
		kinds[e.Type]++
	}
	for _, k := range []EntryType{TypeDir, TypeFile, TypeSymlink, TypeHardlink, TypeChar, TypeBlock, TypeFifo, TypeSocket} {
		if kinds[k] == 0 {
			t.Errorf("no %s entry recorded", k)
		}
	}
	for _, e := range tr.Entries {
		if e.Path == "/sparse/small" && len(e.Sparse) != 2 {
			t.Errorf("sparse regions of %s: %v", e.Path, e.Sparse)
		}
	}
	// an existing empty directory is a valid target too
	dst2 := filepath.Join(t.TempDir(), "dst2")
	must(t, "mkdir", os.Mkdir(dst2, 0o700))
	if err := s.Restore(ctx, d, dst2, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	compareObserved(t, before, observe(t, dst2))
	// a non-empty one is not
	if err := s.Restore(ctx, d, dst2, RestoreOptions{}); err == nil {
		t.Error("restore into a non-empty directory succeeded")
	}
}

func TestSameTreeSameDigest(t *testing.T) {
	requireRoot(t)
	s := newStore(t)
	mk := func() string {
		dir := filepath.Join(t.TempDir(), "t")
		must(t, "mkdir", os.Mkdir(dir, 0o755))
		buildTree(t, dir, fancyTree())
		return dir
	}
	a := snap(t, s, mk(), SnapshotOptions{})
	time.Sleep(50 * time.Millisecond)
	b := snap(t, s, mk(), SnapshotOptions{})
	if a != b {
		t.Fatalf("same tree, two dirs: %s != %s", a, b)
	}
}
