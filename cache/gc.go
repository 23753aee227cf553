package cache

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
)

// GCStats reports what GC removed.
type GCStats struct {
	SnapshotsRemoved, BlobsRemoved int
	BytesFreed                     int64
}

// GC removes every snapshot that is neither in keep nor pointed to by a
// ref, then every blob no remaining snapshot uses. Packs holding both
// live and dead blobs are rewritten with the live ones (the new pack is
// durable before the old one goes). It holds the store exclusively, so it
// waits for running snapshots and restores, and also removes temp files
// left by crashed writers.
func (s *Store) GC(ctx context.Context, keep []digest.Digest) (GCStats, error) {
	var st GCStats
	unlock, err := s.exclusiveLock()
	if err != nil {
		return st, err
	}
	defer unlock()
	if err := s.cleanTmp(); err != nil {
		return st, fmt.Errorf("gc: %w", err)
	}
	if err := s.refreshIndex(); err != nil {
		return st, fmt.Errorf("gc: %w", err)
	}
	live := map[digest.Digest]bool{}
	for _, d := range keep {
		live[d] = true
	}
	refs, err := s.Refs(ctx)
	if err != nil {
		return st, fmt.Errorf("gc: %w", err)
	}
	for _, d := range refs {
		live[d] = true
	}
	snaps, err := s.listSnapshots()
	if err != nil {
		return st, fmt.Errorf("gc: %w", err)
	}
	used := map[sum]bool{}
	for _, d := range snaps {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if !live[d] {
			continue
		}
		t, err := s.Tree(ctx, d)
		if err != nil {
			return st, fmt.Errorf("gc: %w", err)
		}
		for i := range t.Entries {
			if sm, ok := sumOf(t.Entries[i].Digest); ok {
				used[sm] = true
			}
		}
	}
	for _, d := range snaps {
		if live[d] {
			continue
		}
		if fi, err := os.Stat(s.snapshotPath(d)); err == nil {
			st.BytesFreed += fi.Size()
		}
		if err := os.Remove(s.snapshotPath(d)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return st, fmt.Errorf("gc: remove snapshot %s: %w", d, err)
		}
		st.SnapshotsRemoved++
	}
	if err := syncDir(s.path(dirSnapshots)); err != nil {
		return st, fmt.Errorf("gc: %w", err)
	}

	ents, err := os.ReadDir(s.path(dirBlobs))
	if err != nil {
		return st, fmt.Errorf("gc: list blobs: %w", err)
	}
	for _, e := range ents {
		d := digest.NewDigestFromEncoded(digest.SHA256, e.Name())
		sm, ok := sumOf(d)
		if !ok || used[sm] {
			continue
		}
		if fi, err := e.Info(); err == nil {
			st.BytesFreed += fi.Size()
		}
		if err := os.Remove(s.blobPath(d)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return st, fmt.Errorf("gc: remove blob %s: %w", d, err)
		}
		st.BlobsRemoved++
	}

	s.idx.mu.RLock()
	packs := make([]*pack, 0, len(s.idx.packs))
	for _, p := range s.idx.packs {
		packs = append(packs, p)
	}
	s.idx.mu.RUnlock()
	// a blob may sit in two packs (two writers raced): keep one copy
	kept := map[sum]bool{}
	gone := map[string]bool{}
	for _, p := range packs {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		var liveBlobs []int
		for i, b := range p.blobs {
			if used[b.sum] && !kept[b.sum] {
				liveBlobs = append(liveBlobs, i)
				kept[b.sum] = true
			}
		}
		if len(liveBlobs) == len(p.blobs) {
			continue
		}
		if len(liveBlobs) > 0 {
			np, err := s.repack(ctx, p, liveBlobs)
			if err != nil {
				return st, fmt.Errorf("gc: %w", err)
			}
			st.BytesFreed -= np.fileSize
			s.idx.add(np)
		}
		st.BlobsRemoved += len(p.blobs) - len(liveBlobs)
		st.BytesFreed += p.fileSize
		if err := os.Remove(s.packPath(p.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return st, fmt.Errorf("gc: remove pack %s: %w", p.name, err)
		}
		gone[p.name] = true
	}
	s.idx.remove(gone)
	if err := syncDir(s.path(dirPacks)); err != nil {
		return st, fmt.Errorf("gc: %w", err)
	}
	if err := syncDir(s.path(dirBlobs)); err != nil {
		return st, fmt.Errorf("gc: %w", err)
	}
	return st, nil
}

// repack writes a new pack holding the blobs keep (indexes into p.blobs,
// ascending) of p, verified, synced and renamed into place.
func (s *Store) repack(ctx context.Context, p *pack, keep []int) (*pack, error) {
	f, err := os.Open(s.packPath(p.name))
	if err != nil {
		return nil, fmt.Errorf("repack %s: %w", p.name, err)
	}
	defer f.Close()
	dec := s.decoders.Get().(*zstd.Decoder)
	defer func() { dec.Reset(nil); s.decoders.Put(dec) }()
	if err := dec.Reset(io.NewSectionReader(f, 0, p.dataLen)); err != nil {
		return nil, &CorruptError{Blob: digestOf(p.blobs[keep[0]].sum), Path: s.packPath(p.name), Err: err}
	}
	var pb packBuild
	next := 0
	for i, b := range p.blobs {
		if next == len(keep) {
			break
		}
		if keep[next] != i {
			if _, err := io.CopyN(io.Discard, dec, b.length); err != nil {
				return nil, &CorruptError{Blob: digestOf(b.sum), Path: s.packPath(p.name), Err: err}
			}
			continue
		}
		next++
		start := len(pb.data)
		pb.data = append(pb.data, make([]byte, b.length)...)
		if _, err := io.ReadFull(dec, pb.data[start:]); err != nil {
			return nil, &CorruptError{Blob: digestOf(b.sum), Path: s.packPath(p.name), Err: err}
		}
		if sha256.Sum256(pb.data[start:]) != b.sum {
			return nil, &CorruptError{Blob: digestOf(b.sum), Path: s.packPath(p.name), Err: errors.New("content does not match its digest")}
		}
		pb.blobs = append(pb.blobs, packBlob{sum: b.sum, offset: int64(start), length: b.length})
	}
	w, err := s.newWorker(packWindow)
	if err != nil {
		return nil, err
	}
	defer w.close()
	w.verify = true // rare, and the only copy of what it keeps
	sess := &writeSession{s: s, claimed: map[sum]bool{}}
	if err := s.writePack(ctx, w, sess, pb); err != nil {
		return nil, err
	}
	np := sess.packs[0]
	tmp, err := os.OpenFile(sess.packTmp[0], os.O_RDWR, 0)
	if err == nil {
		err = tmp.Sync()
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = os.Rename(sess.packTmp[0], s.packPath(np.name))
	}
	if err == nil {
		err = syncDir(s.path(dirPacks))
	}
	if err != nil {
		sess.abort()
		return nil, fmt.Errorf("repack %s: %w", p.name, err)
	}
	return np, nil
}
