package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	godigest "github.com/opencontainers/go-digest"
)

func countFiles(t testing.TB, dir string) int {
	ents, err := os.ReadDir(dir)
	must(t, "readdir", err)
	return len(ents)
}

func TestDedupAndGC(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	shared := []fx{
		{path: "/big", kind: 'f', data: bigData(3 << 20), mode: 0o644},
	}
	for i := range 20 {
		shared = append(shared, fx{path: fmt.Sprintf("/s%02d", i), kind: 'f', data: fmt.Sprintf("shared %d", i), mode: 0o644})
	}
	mk := func(extra ...fx) string {
		dir := filepath.Join(t.TempDir(), "t")
		must(t, "mkdir", os.Mkdir(dir, 0o755))
		buildTree(t, dir, append(append([]fx{}, shared...), extra...))
		return dir
	}
	s := newStore(t)
	a := snap(t, s, mk(fx{path: "/z-only-a", kind: 'f', data: "only in a", mode: 0o644}), SnapshotOptions{})
	b := snap(t, s, mk(
		fx{path: "/z-only-b", kind: 'f', data: "only in b", mode: 0o644},
		fx{path: "/z-big-b", kind: 'f', data: bigData(2<<20 + 1), mode: 0o644},
	), SnapshotOptions{})
	if a == b {
		t.Fatal("different trees, same digest")
	}
	// dedup: the shared big file is stored once, each small content once
	if n := countFiles(t, s.path(dirBlobs)); n != 2 {
		t.Errorf("%d large blobs, want 2", n)
	}
	must(t, "refresh", s.refreshIndex())
	if n := len(s.idx.blobs); n != 22 {
		t.Errorf("%d packed blobs, want 22", n)
	}
	infos, err := s.Snapshots(ctx)
	must(t, "snapshots", err)
	if len(infos) != 2 {
		t.Fatalf("%d snapshots listed", len(infos))
	}
	for _, in := range infos {
		if in.Entries != 23 && in.Entries != 24 || in.Bytes < 3<<20 || in.Stored <= 0 || in.Stored >= in.Bytes {
			t.Errorf("odd info %+v", in)
		}
	}

	must(t, "set ref", s.SetRef(ctx, "stage/a", a))
	st, err := s.GC(ctx, nil)
	must(t, "gc", err)
	if st.SnapshotsRemoved != 1 || st.BlobsRemoved != 2 || st.BytesFreed <= 0 {
		t.Errorf("gc stats %+v, want 1 snapshot and 2 blobs removed", st)
	}
	if ok, _ := s.HasSnapshot(ctx, b); ok {
		t.Error("unreferenced snapshot kept")
	}
	dst := filepath.Join(t.TempDir(), "dst")
	must(t, "restore after gc", s.Restore(ctx, a, dst, RestoreOptions{}))
	if got := snap(t, s, dst, SnapshotOptions{Rehash: true}); got != a {
		t.Errorf("restored after gc: %s, want %s", got, a)
	}
	// keep works without a ref
	must(t, "delete ref", s.DeleteRef(ctx, "stage/a"))
	st, err = s.GC(ctx, []godigest.Digest{a})
	must(t, "gc", err)
	if st.SnapshotsRemoved != 0 || st.BlobsRemoved != 0 {
		t.Errorf("gc with keep removed %+v", st)
	}
	st, err = s.GC(ctx, nil)
	must(t, "gc", err)
	if st.SnapshotsRemoved != 1 || st.BlobsRemoved != 22 {
		t.Errorf("final gc %+v", st)
	}
	for _, d := range []string{dirBlobs, dirPacks, dirSnapshots, dirTmp} {
		if n := countFiles(t, s.path(d)); n != 0 {
			t.Errorf("%d files left in %s", n, d)
		}
	}
}

func TestRefs(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	s := newStore(t)
	src := filepath.Join(t.TempDir(), "src")
	must(t, "mkdir", os.Mkdir(src, 0o755))
	d := snap(t, s, src, SnapshotOptions{})
	for _, n := range []string{"a", "stage/pass1/key.v2", "A-b_c"} {
		must(t, "set "+n, s.SetRef(ctx, n, d))
		got, err := s.Ref(ctx, n)
		if err != nil || got != d {
			t.Errorf("ref %s = %s, %v", n, got, err)
		}
	}
	all, err := s.Refs(ctx)
	must(t, "refs", err)
	if len(all) != 3 || all["stage/pass1/key.v2"] != d {
		t.Errorf("refs %v", all)
	}
	for _, bad := range []string{"", "a b", "x%y", "ü", ".", ".."} {
		if err := s.SetRef(ctx, bad, d); err == nil {
			t.Errorf("ref name %q accepted", bad)
		}
	}
	if _, err := s.Ref(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing ref: %v", err)
	}
	if err := s.DeleteRef(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete missing ref: %v", err)
	}
	if err := s.SetRef(ctx, "x", godigest.Digest("sha256:"+fmt.Sprintf("%064d", 0))); !errors.Is(err, ErrNotFound) {
		t.Errorf("ref to a missing snapshot: %v", err)
	}
	must(t, "delete", s.DeleteRef(ctx, "a"))
	if _, err := s.Ref(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted ref: %v", err)
	}
}
