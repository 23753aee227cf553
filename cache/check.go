package cache

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	"golang.org/x/sync/errgroup"
)

// CheckStats is what Check found and, when repairing, removed.
type CheckStats struct {
	Packs, BlobFiles int   // store files read
	Bytes            int64 // content bytes decompressed and hashed
	// Corrupt lists every stored copy of a blob that does not decompress
	// to its digest.
	Corrupt []*CorruptError
	// Broken lists the snapshots that cannot be restored: their manifest
	// is corrupt, or they need a blob that is corrupt or missing.
	Broken []digest.Digest
	// Refs are the refs that pointed at a broken snapshot.
	Refs []string
	// Repaired is set when the corrupt copies, the broken snapshots and
	// their refs were removed.
	Repaired bool
}

// OK reports whether the store is whole.
func (c CheckStats) OK() bool { return len(c.Corrupt) == 0 && len(c.Broken) == 0 }

// Check reads every stored blob back, decompresses it and compares it with
// its digest, then finds the snapshots that a corrupt or missing blob
// makes unrestorable. With repair it removes what is damaged: corrupt
// blob files; the corrupt blobs of a pack (its good blobs are rewritten
// into a new pack first); the broken snapshots and the refs naming them.
// Snapshot writes trust a blob that is already stored, so a corrupt copy
// must go before the content can be stored again; after a repair, the
// stages whose snapshots were removed are rebuilt by their next run.
func (s *Store) Check(ctx context.Context, repair bool) (CheckStats, error) {
	var st CheckStats
	lock := s.sharedLock
	if repair {
		lock = s.exclusiveLock
	}
	unlock, err := lock()
	if err != nil {
		return st, err
	}
	defer unlock()
	if err := s.refreshIndex(); err != nil {
		return st, fmt.Errorf("check: %w", err)
	}

	good := map[sum]bool{} // blobs with at least one sound copy
	s.idx.mu.RLock()
	packs := make([]*pack, 0, len(s.idx.packs))
	for _, p := range s.idx.packs {
		packs = append(packs, p)
	}
	s.idx.mu.RUnlock()
	sort.Slice(packs, func(i, j int) bool { return packs[i].name < packs[j].name })
	// Read the packs on every worker; act on them in order.
	type packResult struct {
		bad map[int]*CorruptError
		n   int64
	}
	results := make([]packResult, len(packs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, s.Workers))
	for i, p := range packs {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			bad, n, err := s.checkPack(p)
			if err != nil {
				return fmt.Errorf("check: %w", err)
			}
			results[i] = packResult{bad, n}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return st, err
	}
	gone := map[string]bool{}
	for k, p := range packs {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		bad, n := results[k].bad, results[k].n
		st.Packs++
		st.Bytes += n
		for i, b := range p.blobs {
			if bad[i] != nil {
				st.Corrupt = append(st.Corrupt, bad[i])
			} else {
				good[b.sum] = true
			}
		}
		if !repair || len(bad) == 0 {
			continue
		}
		var keep []int
		for i := range p.blobs {
			if bad[i] == nil {
				keep = append(keep, i)
			}
		}
		if len(keep) > 0 {
			np, err := s.repack(ctx, p, keep)
			if err != nil {
				return st, fmt.Errorf("check: keep the sound blobs of pack %s: %w", p.name, err)
			}
			s.idx.add(np)
		}
		if err := os.Remove(s.packPath(p.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return st, fmt.Errorf("check: remove pack %s: %w", p.name, err)
		}
		gone[p.name] = true
	}
	s.idx.remove(gone)

	ents, err := os.ReadDir(s.path(dirBlobs))
	if err != nil {
		return st, fmt.Errorf("check: list blobs: %w", err)
	}
	type blobResult struct {
		d   digest.Digest
		n   int64
		err error
	}
	var blobs []blobResult
	for _, e := range ents {
		d := digest.NewDigestFromEncoded(digest.SHA256, e.Name())
		if _, ok := sumOf(d); ok {
			blobs = append(blobs, blobResult{d: d})
		}
	}
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(max(1, s.Workers))
	for i := range blobs {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			blobs[i].n, blobs[i].err = s.checkBlobFile(blobs[i].d)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return st, err
	}
	for _, r := range blobs {
		sm, _ := sumOf(r.d)
		st.BlobFiles++
		st.Bytes += r.n
		if r.err == nil {
			good[sm] = true
			continue
		}
		var ce *CorruptError
		if !errors.As(r.err, &ce) {
			return st, fmt.Errorf("check: %w", r.err)
		}
		st.Corrupt = append(st.Corrupt, ce)
		if repair {
			if err := os.Remove(s.blobPath(r.d)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return st, fmt.Errorf("check: remove blob %s: %w", r.d, err)
			}
		}
	}

	// A snapshot is broken when it needs a blob with no sound copy. Without
	// repair, writers may have stored packs and blobs since the reads
	// above: content that is stored now but was not read is not counted
	// against a snapshot.
	bad := map[sum]bool{}
	for _, c := range st.Corrupt {
		if sm, ok := sumOf(c.Blob); ok {
			bad[sm] = true
		}
	}
	if err := s.refreshIndex(); err != nil {
		return st, fmt.Errorf("check: %w", err)
	}
	needed := func(sm sum) bool {
		if good[sm] {
			return false
		}
		if bad[sm] {
			return true
		}
		if _, ok := s.idx.lookup(sm); ok {
			return false
		}
		_, err := os.Stat(s.blobPath(digestOf(sm)))
		return err != nil
	}
	snaps, err := s.listSnapshots()
	if err != nil {
		return st, fmt.Errorf("check: %w", err)
	}
	broken := map[digest.Digest]bool{}
	for _, d := range snaps {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		t, err := s.Tree(ctx, d)
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) {
				return st, fmt.Errorf("check: %w", err)
			}
			st.Corrupt = append(st.Corrupt, ce)
			broken[d] = true
			continue
		}
		for i := range t.Entries {
			if sm, ok := sumOf(t.Entries[i].Digest); ok && needed(sm) {
				broken[d] = true
				break
			}
		}
	}
	for d := range broken {
		st.Broken = append(st.Broken, d)
	}
	slices.Sort(st.Broken)
	refs, err := s.Refs(ctx)
	if err != nil {
		return st, fmt.Errorf("check: %w", err)
	}
	for name, d := range refs {
		if broken[d] {
			st.Refs = append(st.Refs, name)
		}
	}
	slices.Sort(st.Refs)
	if !repair {
		return st, nil
	}
	for _, name := range st.Refs {
		if err := s.DeleteRef(ctx, name); err != nil && !errors.Is(err, ErrNotFound) {
			return st, fmt.Errorf("check: %w", err)
		}
	}
	for _, d := range st.Broken {
		if err := os.Remove(s.snapshotPath(d)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return st, fmt.Errorf("check: remove snapshot %s: %w", d, err)
		}
	}
	for _, dir := range []string{dirPacks, dirBlobs, dirSnapshots, dirRefs} {
		if err := syncDir(s.path(dir)); err != nil {
			return st, fmt.Errorf("check: %w", err)
		}
	}
	st.Repaired = true
	return st, nil
}

// checkPack decompresses pack p once and hashes each blob. It returns the
// corrupt blobs by index (once the frame stops decoding, every later blob
// is corrupt) and the bytes read.
func (s *Store) checkPack(p *pack) (map[int]*CorruptError, int64, error) {
	path := s.packPath(p.name)
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open pack %s: %w", p.name, err)
	}
	defer f.Close()
	dec := s.decoders.Get().(*zstd.Decoder)
	defer func() { dec.Reset(nil); s.decoders.Put(dec) }()
	order := make([]int, len(p.blobs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return p.blobs[order[a]].offset < p.blobs[order[b]].offset })
	bad := map[int]*CorruptError{}
	fail := func(from int, err error) {
		for _, i := range order[from:] {
			if bad[i] == nil {
				bad[i] = &CorruptError{Blob: digestOf(p.blobs[i].sum), Path: path, Err: err}
			}
		}
	}
	if err := dec.Reset(io.NewSectionReader(f, 0, p.dataLen)); err != nil {
		fail(0, err)
		return bad, 0, nil
	}
	var pos, n int64
	var buf []byte
	for k, i := range order {
		b := p.blobs[i]
		if b.offset < pos { // overlapping entries: not written by this store
			fail(k, fmt.Errorf("blob at offset %d overlaps the one before", b.offset))
			break
		}
		if _, err := io.CopyN(io.Discard, dec, b.offset-pos); err != nil {
			fail(k, err)
			break
		}
		if int64(cap(buf)) < b.length {
			buf = make([]byte, b.length)
		}
		buf = buf[:b.length]
		if _, err := io.ReadFull(dec, buf); err != nil {
			fail(k, err)
			break
		}
		pos = b.offset + b.length
		n += b.length
		if sha256.Sum256(buf) != b.sum {
			bad[i] = &CorruptError{Blob: digestOf(b.sum), Path: path, Err: errors.New("content does not match its digest")}
		}
	}
	return bad, n, nil
}

// checkBlobFile reads blob file d back; a damaged one is a *CorruptError.
func (s *Store) checkBlobFile(d digest.Digest) (int64, error) {
	r, err := s.openBlobFile(d)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, r)
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	return n, err
}
