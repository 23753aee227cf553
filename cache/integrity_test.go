package cache

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestCorruptBlob(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	tests := []struct {
		name string
		file string // tree path whose blob is damaged
		dir  string // store directory holding it
	}{
		{"large blob", "/big", dirBlobs},
		{"packed blob", "/small", dirPacks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "src")
			must(t, "mkdir", os.Mkdir(src, 0o755))
			buildTree(t, src, []fx{
				{path: "/big", kind: 'f', data: bigData(3 << 20), mode: 0o644},
				{path: "/small", kind: 'f', data: bigData(10 << 10), mode: 0o644},
			})
			s := newStore(t)
			d := snap(t, s, src, SnapshotOptions{})
			tr, err := s.Tree(ctx, d)
			must(t, "tree", err)
			var want *Entry
			for i := range tr.Entries {
				if tr.Entries[i].Path == tc.file {
					want = &tr.Entries[i]
				}
			}
			ents, err := os.ReadDir(s.path(tc.dir))
			must(t, "readdir", err)
			if len(ents) != 1 {
				t.Fatalf("%d files in %s, want 1", len(ents), tc.dir)
			}
			p := s.path(tc.dir, ents[0].Name())
			b, err := os.ReadFile(p)
			must(t, "read", err)
			b[len(b)/3] ^= 0x40
			must(t, "write", os.WriteFile(p, b, 0o600))

			dst := filepath.Join(t.TempDir(), "dst")
			err = s.Restore(ctx, d, dst, RestoreOptions{})
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("restore error %v, want a CorruptError", err)
			}
			if ce.Blob != want.Digest || ce.Path != tc.file {
				t.Errorf("CorruptError names %s at %s, want %s at %s", ce.Blob, ce.Path, want.Digest, tc.file)
			}
			if !strings.Contains(err.Error(), string(want.Digest)) || !strings.Contains(err.Error(), tc.file) {
				t.Errorf("error %q does not name blob and path", err)
			}
			if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("failed restore left %s behind", dst)
			}
			left, _ := filepath.Glob(dst + ".tmp-*")
			if len(left) > 0 {
				t.Errorf("failed restore left %v behind", left)
			}
			// OpenBlob detects it too
			r, err := s.OpenBlob(ctx, want.Digest)
			if err == nil {
				_, err = io.Copy(io.Discard, r)
				r.Close()
			}
			if !errors.As(err, &ce) {
				t.Errorf("OpenBlob read error %v, want a CorruptError", err)
			}
		})
	}
}

func TestOpenBlob(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	must(t, "mkdir", os.Mkdir(src, 0o755))
	files := map[string]string{"/a": "small one", "/b": bigData(50 << 10), "/c": bigData(3<<20 + 5)}
	var fxs []fx
	for p, c := range files {
		fxs = append(fxs, fx{path: p, kind: 'f', data: c, mode: 0o644})
	}
	buildTree(t, src, fxs)
	s := newStore(t)
	d := snap(t, s, src, SnapshotOptions{})
	tr, err := s.Tree(ctx, d)
	must(t, "tree", err)
	for _, e := range tr.Entries {
		if e.Type != TypeFile {
			continue
		}
		r, err := s.OpenBlob(ctx, e.Digest)
		must(t, "open blob", err)
		b, err := io.ReadAll(r)
		must(t, "read blob", err)
		must(t, "close blob", r.Close())
		if string(b) != files[e.Path] {
			t.Errorf("blob of %s differs", e.Path)
		}
	}
	if _, err := s.OpenBlob(ctx, digest.Digest("sha256:"+strings.Repeat("0", 64))); !errors.Is(err, ErrNotFound) {
		t.Errorf("OpenBlob of a missing blob: %v, want ErrNotFound", err)
	}
	if _, err := s.Tree(ctx, digest.Digest("sha256:"+strings.Repeat("0", 64))); !errors.Is(err, ErrNotFound) {
		t.Errorf("Tree of a missing snapshot: %v, want ErrNotFound", err)
	}
}

func TestCancel(t *testing.T) {
	requireRoot(t)
	src := filepath.Join(t.TempDir(), "src")
	must(t, "mkdir", os.Mkdir(src, 0o755))
	buildTree(t, src, fancyTree())
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Snapshot(ctx, src, SnapshotOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("snapshot with a cancelled context: %v", err)
	}
	if snaps, _ := s.listSnapshots(); len(snaps) != 0 {
		t.Errorf("cancelled snapshot recorded %v", snaps)
	}
	if tmp, _ := os.ReadDir(s.path(dirTmp)); len(tmp) != 0 {
		t.Errorf("cancelled snapshot left %d temp files", len(tmp))
	}
	d := snap(t, s, src, SnapshotOptions{})
	dst := filepath.Join(t.TempDir(), "dst")
	if err := s.Restore(ctx, d, dst, RestoreOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("restore with a cancelled context: %v", err)
	}
	if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cancelled restore left %s", dst)
	}
}
