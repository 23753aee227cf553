package cache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/opencontainers/go-digest"
)

// Damage in a pack and in a blob file is found, named, and removed with
// the snapshot that needs it; a snapshot sharing nothing with it survives,
// and the damaged content can be stored again afterwards (a snapshot
// write trusts stored blobs, so the corrupt copies must really be gone).
func TestCheckRepair(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	dir := t.TempDir()
	srcA, srcB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	must(t, "mkdir", os.Mkdir(srcA, 0o755))
	must(t, "mkdir", os.Mkdir(srcB, 0o755))
	buildTree(t, srcA, []fx{
		{path: "/big", kind: 'f', data: bigData(3 << 20), mode: 0o644},
		{path: "/small", kind: 'f', data: bigData(10 << 10), mode: 0o644},
	})
	buildTree(t, srcB, []fx{{path: "/other", kind: 'f', data: bigData(20 << 10), mode: 0o644}})
	s := newStore(t)
	s.VerifyWrites = true
	dA := snap(t, s, srcA, SnapshotOptions{})
	s.VerifyWrites = false
	dB := snap(t, s, srcB, SnapshotOptions{})
	must(t, "ref a", s.SetRef(ctx, "a", dA))
	must(t, "ref b", s.SetRef(ctx, "b", dB))

	st, err := s.Check(ctx, false)
	must(t, "check", err)
	if !st.OK() || st.Packs != 2 || st.BlobFiles != 1 {
		t.Fatalf("sound store: %+v, want OK with 2 packs and 1 blob file", st)
	}

	tr, err := s.Tree(ctx, dA)
	must(t, "tree", err)
	digests := map[string]digest.Digest{}
	for _, e := range tr.Entries {
		digests[e.Path] = e.Digest
	}
	sm, _ := sumOf(digests["/small"])
	l, ok := s.idx.lookup(sm)
	if !ok {
		t.Fatal("/small is not in a pack")
	}
	flip := func(p string) {
		b, err := os.ReadFile(p)
		must(t, "read", err)
		b[len(b)/3] ^= 0x40
		must(t, "write", os.WriteFile(p, b, 0o600))
	}
	packA := s.packPath(l.pack.name)
	flip(packA)
	flip(s.blobPath(digests["/big"]))

	st, err = s.Check(ctx, false)
	must(t, "check", err)
	var bad []digest.Digest
	for _, c := range st.Corrupt {
		bad = append(bad, c.Blob)
	}
	if !slices.Contains(bad, digests["/small"]) || !slices.Contains(bad, digests["/big"]) {
		t.Errorf("corrupt blobs %v, want /small %s and /big %s", bad, digests["/small"], digests["/big"])
	}
	if !slices.Equal(st.Broken, []digest.Digest{dA}) || !slices.Equal(st.Refs, []string{"a"}) || st.Repaired {
		t.Errorf("broken %v refs %v repaired %v, want [%s] [a] false", st.Broken, st.Refs, st.Repaired, dA)
	}
	if _, err := os.Stat(packA); err != nil {
		t.Errorf("a check without --repair removed %s: %v", packA, err)
	}

	st, err = s.Check(ctx, true)
	must(t, "repair", err)
	if !st.Repaired || !slices.Equal(st.Broken, []digest.Digest{dA}) {
		t.Errorf("repair: %+v", st)
	}
	if st, err := s.Check(ctx, false); err != nil || !st.OK() {
		t.Fatalf("after repair: %+v, %v", st, err)
	}
	if ok, _ := s.HasSnapshot(ctx, dA); ok {
		t.Error("the unrestorable snapshot is still there")
	}
	if _, err := s.Ref(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ref a: %v, want ErrNotFound", err)
	}
	must(t, "restore b", s.Restore(ctx, dB, filepath.Join(dir, "rb"), RestoreOptions{}))

	// The same tree again: stored afresh, and restorable.
	if d := snap(t, s, srcA, SnapshotOptions{}); d != dA { // the stat cache must not vouch for content now gone
		t.Fatalf("re-snapshot %s, want %s", d, dA)
	}
	must(t, "restore a", s.Restore(ctx, dA, filepath.Join(dir, "ra"), RestoreOptions{}))
	compareObserved(t, observe(t, srcA), observe(t, filepath.Join(dir, "ra")))
}

// A blob that is gone, not damaged, breaks its snapshot too.
func TestCheckMissingBlob(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	must(t, "mkdir", os.Mkdir(src, 0o755))
	buildTree(t, src, []fx{{path: "/big", kind: 'f', data: bigData(2 << 20), mode: 0o644}})
	s := newStore(t)
	d := snap(t, s, src, SnapshotOptions{})
	blobs, err := filepath.Glob(filepath.Join(s.path(dirBlobs), "*"))
	must(t, "glob", err)
	if len(blobs) != 1 {
		t.Fatalf("blob files %v, want 1", blobs)
	}
	must(t, "remove", os.Remove(blobs[0]))
	st, err := s.Check(ctx, false)
	must(t, "check", err)
	if len(st.Corrupt) != 0 || !slices.Equal(st.Broken, []digest.Digest{d}) {
		t.Fatalf("check: corrupt %v broken %v, want none and [%s]", st.Corrupt, st.Broken, d)
	}
}
