package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/klauspost/compress/zstd"
)

// TestWhereContentGoes: contents below packMax share packs, larger ones
// get blob files, equal contents are stored once, and nothing is left in
// tmp/ (also when a large file read in one pass turns out stored).
func TestWhereContentGoes(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	big := bigData(3<<20 + 5)
	tests := []struct {
		name         string
		files        map[string]string
		rehash       bool // snapshot a second time with Rehash
		blobs, packs int
	}{
		// Below minPackPart in all, so the last pack is not split per writer.
		{"small and mid-size share a pack", map[string]string{"/a": bigData(10 << 10), "/b": bigData(400 << 10), "/c": "x"}, false, 0, 1},
		{"just below packMax is packed", map[string]string{"/c": bigData(packMax - 1)}, false, 0, 1},
		{"packMax and up get a blob", map[string]string{"/a": bigData(packMax), "/b": big}, false, 2, 0},
		{"equal large contents stored once", map[string]string{"/a": big, "/b": big, "/c": big}, false, 1, 0},
		{"stored large contents again", map[string]string{"/a": big, "/b": big + "x", "/c": bigData(2 << 20)}, true, 3, 0},
		{"more chunks than slots, in order", map[string]string{"/huge": bigData((2*chunkSlots+1)*chunkSize + 7), "/small": "x"}, false, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "src")
			must(t, "mkdir", os.Mkdir(src, 0o755))
			var fxs []fx
			for p, data := range tc.files {
				fxs = append(fxs, fx{path: p, kind: 'f', data: data, mode: 0o644})
			}
			buildTree(t, src, fxs)
			s := newStore(t)
			d := snap(t, s, src, SnapshotOptions{})
			if tc.rehash {
				if d2 := snap(t, s, src, SnapshotOptions{Rehash: true}); d2 != d {
					t.Fatalf("rehash: digest %s, want %s", d2, d)
				}
			}
			if n := countFiles(t, s.path(dirBlobs)); n != tc.blobs {
				t.Errorf("%d blob files, want %d", n, tc.blobs)
			}
			if n := countFiles(t, s.path(dirPacks)); n != tc.packs {
				t.Errorf("%d packs, want %d", n, tc.packs)
			}
			if n := countFiles(t, s.path(dirTmp)); n != 0 {
				t.Errorf("%d files left in tmp/", n)
			}
			dst := filepath.Join(t.TempDir(), "dst")
			must(t, "restore", s.Restore(ctx, d, dst, RestoreOptions{}))
			compareObserved(t, observe(t, src), observe(t, dst))
		})
	}
}

// TestLegacyBlobFile: a store written when contents from 128 KiB were blob
// files keeps serving them; a snapshot finds them stored and packs no
// second copy.
func TestLegacyBlobFile(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	data := bigData(300 << 10)
	src := filepath.Join(t.TempDir(), "src")
	must(t, "mkdir", os.Mkdir(src, 0o755))
	buildTree(t, src, []fx{{path: "/mid", kind: 'f', data: data, mode: 0o644}})

	s := newStore(t)
	enc, err := zstd.NewWriter(nil)
	must(t, "encoder", err)
	sm := sha256.Sum256([]byte(data))
	must(t, "write legacy blob", os.WriteFile(s.blobPath(digestOf(sm)), enc.EncodeAll([]byte(data), nil), 0o600))

	d := snap(t, s, src, SnapshotOptions{})
	if n := countFiles(t, s.path(dirPacks)); n != 0 {
		t.Errorf("%d packs, want 0: the blob file already holds the content", n)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	must(t, "restore", s.Restore(ctx, d, dst, RestoreOptions{}))
	compareObserved(t, observe(t, src), observe(t, dst))
}

// TestRestoreUnderSetgidDir: files created below a setgid directory take
// its group; a restore there still gives every file its recorded owner.
func TestRestoreUnderSetgidDir(t *testing.T) {
	requireRoot(t)
	src := filepath.Join(t.TempDir(), "src")
	must(t, "mkdir", os.Mkdir(src, 0o755))
	buildTree(t, src, []fx{
		{path: "/d", kind: 'd', mode: 0o755},
		{path: "/d/root-owned", kind: 'f', data: "x", mode: 0o644},
		{path: "/d/empty", kind: 'f', mode: 0o644},
		{path: "/d/big", kind: 'f', data: bigData(2 << 20), mode: 0o644},
		{path: "/other", kind: 'f', data: "y", mode: 0o600, uid: 5, gid: 6},
	})
	s := newStore(t)
	d := snap(t, s, src, SnapshotOptions{})
	parent := filepath.Join(t.TempDir(), "setgid")
	must(t, "mkdir", os.Mkdir(parent, 0o755))
	must(t, "chown", os.Chown(parent, 0, 4242))
	must(t, "chmod", unix.Chmod(parent, 0o2755)) // os.Chmod wants os.ModeSetgid
	dst := filepath.Join(parent, "dst")
	must(t, "restore", s.Restore(context.Background(), d, dst, RestoreOptions{}))
	compareObserved(t, observe(t, src), observe(t, dst))
}

// TestSplitPack: the last pack is cut at blob boundaries into parts whose
// blobs' offsets start again at zero, and small ones are not cut.
func TestSplitPack(t *testing.T) {
	mk := func(sizes ...int) packBuild {
		var pb packBuild
		for i, n := range sizes {
			pb.blobs = append(pb.blobs, packBlob{sum: sum{byte(i)}, offset: int64(len(pb.data)), length: int64(n)})
			pb.data = append(pb.data, bytes.Repeat([]byte{byte(i)}, n)...)
		}
		return pb
	}
	tests := []struct {
		name  string
		pb    packBuild
		n     int
		parts []int // blobs per part
	}{
		{"empty", mk(), 2, nil},
		{"too small to cut", mk(100<<10, 100<<10), 2, []int{2}},
		{"one writer", mk(1<<20, 1<<20), 1, []int{2}},
		{"two even halves", mk(600<<10, 600<<10, 600<<10, 600<<10), 2, []int{2, 2}},
		{"one huge blob", mk(3<<20, 10, 10), 2, []int{1, 2}},
		{"never more than n", mk(700<<10, 700<<10, 700<<10, 700<<10, 700<<10), 2, []int{3, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts := splitPack(tc.pb, tc.n)
			var got []int
			var all []byte
			for _, p := range parts {
				got = append(got, len(p.blobs))
				var off int64
				for _, b := range p.blobs {
					if b.offset != off {
						t.Fatalf("blob at offset %d, want %d", b.offset, off)
					}
					if !bytes.Equal(p.data[b.offset:b.offset+b.length], bytes.Repeat([]byte{b.sum[0]}, int(b.length))) {
						t.Fatalf("blob %d: wrong bytes", b.sum[0])
					}
					off += b.length
				}
				if off != int64(len(p.data)) {
					t.Fatalf("part holds %d bytes, its blobs %d", len(p.data), off)
				}
				all = append(all, p.data...)
			}
			if !slices.Equal(got, tc.parts) {
				t.Errorf("blobs per part %v, want %v", got, tc.parts)
			}
			if !bytes.Equal(all, tc.pb.data) {
				t.Error("parts do not add up to the pack")
			}
		})
	}
}
