package cache

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
)

// Blobs smaller than packMax are kept in pack files; larger ones in a file
// of their own. A pack holds about packTarget uncompressed bytes compressed
// as one zstd frame, so small files compress together as in a solid tar.
// Files up to packMax share that frame too: compressed alone, each one
// starting with an empty window, the 128 KiB to 1 MiB files of a build
// tree (objects, libraries, headers) stored 1.3 times what they do in a
// solid stream. Stores written when packMax was legacyPackMax hold such
// blobs in files of their own; hasBlob and restore find them there.
const (
	packMax       = 1 << 20
	legacyPackMax = 128 << 10
	packTarget    = 4 << 20
	packWindow    = 4 << 20 // zstd window for packs: nearly all of a pack
	chunkSize     = 2 << 20 // frame size of large blobs
	packMagic     = "XBPACK1\n"
	packTrail     = 8 + 8 + len(packMagic)
)

type sum = [sha256.Size]byte

func sumOf(d digest.Digest) (sum, bool) {
	var s sum
	enc, ok := strings.CutPrefix(string(d), "sha256:")
	if !ok {
		return s, false
	}
	b, err := hex.DecodeString(enc)
	if err != nil || len(b) != len(s) {
		return s, false
	}
	copy(s[:], b)
	return s, true
}

func digestOf(s sum) digest.Digest {
	return digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(s[:]))
}

// pack is one pack file as seen by the index.
type pack struct {
	name     string // hex sha256 of the whole file
	dataLen  int64  // compressed bytes of the data frame
	rawLen   int64  // uncompressed bytes
	blobs    []packBlob
	fileSize int64
}

type packBlob struct {
	sum    sum
	offset int64 // in the uncompressed stream
	length int64
}

type blobLoc struct {
	pack *pack
	i    int // index in pack.blobs
}

// packIndex maps blob sums to their pack. It mirrors the packs directory
// and is refreshed from it under the store lock.
type packIndex struct {
	mu    sync.RWMutex
	packs map[string]*pack
	blobs map[sum]blobLoc
}

func newPackIndex() *packIndex {
	return &packIndex{packs: map[string]*pack{}, blobs: map[sum]blobLoc{}}
}

func (x *packIndex) add(p *pack) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.packs[p.name]; ok {
		return
	}
	x.packs[p.name] = p
	for i, b := range p.blobs {
		if _, ok := x.blobs[b.sum]; !ok {
			x.blobs[b.sum] = blobLoc{pack: p, i: i}
		}
	}
}

func (x *packIndex) remove(names map[string]bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for n := range names {
		p := x.packs[n]
		if p == nil {
			continue
		}
		delete(x.packs, n)
		for _, b := range p.blobs {
			if l, ok := x.blobs[b.sum]; ok && l.pack == p {
				delete(x.blobs, b.sum)
			}
		}
	}
	// blobs that were in a removed pack may also live in another one
	for _, p := range x.packs {
		for i, b := range p.blobs {
			if _, ok := x.blobs[b.sum]; !ok {
				x.blobs[b.sum] = blobLoc{pack: p, i: i}
			}
		}
	}
}

func (x *packIndex) lookup(s sum) (blobLoc, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	l, ok := x.blobs[s]
	return l, ok
}

func (s *Store) packPath(name string) string { return s.path(dirPacks, name+".pack") }

// refreshIndex brings the in-memory pack index in line with the packs
// directory (another process may have added packs, GC may have removed
// some). Call it with the store lock held.
func (s *Store) refreshIndex() error {
	ents, err := os.ReadDir(s.path(dirPacks))
	if err != nil {
		return fmt.Errorf("list packs: %w", err)
	}
	onDisk := map[string]bool{}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".pack")
		if !ok || len(name) != 64 {
			continue
		}
		onDisk[name] = true
	}
	s.idx.mu.RLock()
	var add []string
	gone := map[string]bool{}
	for n := range onDisk {
		if _, ok := s.idx.packs[n]; !ok {
			add = append(add, n)
		}
	}
	for n := range s.idx.packs {
		if !onDisk[n] {
			gone[n] = true
		}
	}
	s.idx.mu.RUnlock()
	if len(gone) > 0 {
		s.idx.remove(gone)
	}
	for _, n := range add {
		p, err := readPackIndex(s.packPath(n), n)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		s.idx.add(p)
	}
	return nil
}

// encodePack lays out a pack file: the compressed data frame, the index
// (per blob: 32-byte sha256, uvarint length; offsets are cumulative), and
// a trailer (data length, index length as little-endian uint64, magic).
func encodePackTail(p *pack) []byte {
	var idx []byte
	for _, b := range p.blobs {
		idx = append(idx, b.sum[:]...)
		idx = binary.AppendUvarint(idx, uint64(b.length))
	}
	tail := idx
	tail = binary.LittleEndian.AppendUint64(tail, uint64(p.dataLen))
	tail = binary.LittleEndian.AppendUint64(tail, uint64(len(idx)))
	return append(tail, packMagic...)
}

func readPackIndex(path, name string) (*pack, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read pack %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read pack %s: %w", name, err)
	}
	size := st.Size()
	bad := func(what string) error { return fmt.Errorf("read pack %s: %s", name, what) }
	if size < int64(packTrail) {
		return nil, bad("too short")
	}
	var tr [packTrail]byte
	if _, err := f.ReadAt(tr[:], size-int64(packTrail)); err != nil {
		return nil, fmt.Errorf("read pack %s: %w", name, err)
	}
	if string(tr[16:]) != packMagic {
		return nil, bad("bad magic")
	}
	dataLen := int64(binary.LittleEndian.Uint64(tr[0:]))
	idxLen := int64(binary.LittleEndian.Uint64(tr[8:]))
	if dataLen < 0 || idxLen < 0 || dataLen+idxLen+int64(packTrail) != size {
		return nil, bad("bad trailer")
	}
	idx := make([]byte, idxLen)
	if _, err := f.ReadAt(idx, dataLen); err != nil {
		return nil, fmt.Errorf("read pack %s: %w", name, err)
	}
	p := &pack{name: name, dataLen: dataLen, fileSize: size}
	for len(idx) > 0 {
		if len(idx) < sha256.Size+1 {
			return nil, bad("bad index")
		}
		var b packBlob
		copy(b.sum[:], idx)
		l, n := binary.Uvarint(idx[sha256.Size:])
		if n <= 0 {
			return nil, bad("bad index")
		}
		idx = idx[sha256.Size+n:]
		b.offset = p.rawLen
		b.length = int64(l)
		p.rawLen += b.length
		p.blobs = append(p.blobs, b)
	}
	return p, nil
}

func (s *Store) blobPath(d digest.Digest) string { return s.path(dirBlobs, d.Encoded()) }

// hasBlob reports whether content sm of size bytes is stored (in a pack
// or on its own).
func (s *Store) hasBlob(sm sum, size int64) bool {
	if size < packMax {
		if _, ok := s.idx.lookup(sm); ok {
			return true
		}
		if size < legacyPackMax {
			return false
		}
	}
	_, err := os.Stat(s.blobPath(digestOf(sm)))
	return err == nil
}

// storedSize is the compressed size charged to blob d.
func (s *Store) storedSize(d digest.Digest) int64 {
	sm, ok := sumOf(d)
	if !ok {
		return 0
	}
	if l, ok := s.idx.lookup(sm); ok {
		if l.pack.rawLen == 0 {
			return 0
		}
		return l.pack.dataLen * l.pack.blobs[l.i].length / l.pack.rawLen
	}
	if st, err := os.Stat(s.blobPath(d)); err == nil {
		return st.Size()
	}
	return 0
}

// OpenBlob returns the uncompressed content of blob d. The reader checks
// the content against d at EOF and then fails with a *CorruptError if it
// does not match. The caller closes it.
func (s *Store) OpenBlob(ctx context.Context, d digest.Digest) (io.ReadCloser, error) {
	if err := checkDigest(d); err != nil {
		return nil, err
	}
	sm, _ := sumOf(d)
	if _, ok := s.idx.lookup(sm); !ok {
		unlock, err := s.sharedLock()
		if err != nil {
			return nil, err
		}
		err = s.refreshIndex()
		unlock()
		if err != nil {
			return nil, err
		}
	}
	if l, ok := s.idx.lookup(sm); ok {
		p := l.pack
		b := p.blobs[l.i]
		f, err := os.Open(s.packPath(p.name))
		if err != nil {
			return nil, fmt.Errorf("open blob %s: %w", d, err)
		}
		dec := s.decoders.Get().(*zstd.Decoder)
		if err := dec.Reset(io.NewSectionReader(f, 0, p.dataLen)); err != nil {
			f.Close()
			return nil, &CorruptError{Blob: d, Path: s.packPath(p.name), Err: err}
		}
		if _, err := io.CopyN(io.Discard, dec, b.offset); err != nil {
			dec.Reset(nil)
			s.decoders.Put(dec)
			f.Close()
			return nil, &CorruptError{Blob: d, Path: s.packPath(p.name), Err: err}
		}
		return &verifyReader{
			r: io.LimitReader(dec, b.length), want: d, size: b.length, h: sha256.New(), path: s.packPath(p.name),
			close: func() error { dec.Reset(nil); s.decoders.Put(dec); return f.Close() },
		}, nil
	}
	return s.openBlobFile(d)
}

// openBlobFile is OpenBlob for the blob file of d (not a pack's copy).
func (s *Store) openBlobFile(d digest.Digest) (io.ReadCloser, error) {
	f, err := os.Open(s.blobPath(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open blob %s: %w", d, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	dec := s.decoders.Get().(*zstd.Decoder)
	if err := dec.Reset(bufio.NewReaderSize(f, 256<<10)); err != nil {
		s.decoders.Put(dec)
		f.Close()
		return nil, &CorruptError{Blob: d, Path: s.blobPath(d), Err: err}
	}
	return &verifyReader{
		r: dec, want: d, size: -1, h: sha256.New(), path: s.blobPath(d),
		close: func() error { dec.Reset(nil); s.decoders.Put(dec); return f.Close() },
	}, nil
}

// verifyReader hashes what it reads and fails at EOF unless the content
// matches want (and size, when not -1).
type verifyReader struct {
	r     io.Reader
	want  digest.Digest
	size  int64
	n     int64
	h     hash.Hash
	path  string
	close func() error
	done  bool
}

func (v *verifyReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if err == io.EOF && !v.done {
		v.done = true
		if v.size >= 0 && v.n != v.size {
			return n, &CorruptError{Blob: v.want, Path: v.path, Err: fmt.Errorf("short content: %d of %d bytes", v.n, v.size)}
		}
		if got := digest.NewDigest(digest.SHA256, v.h); got != v.want {
			return n, &CorruptError{Blob: v.want, Path: v.path, Err: fmt.Errorf("content hashes to %s", got)}
		}
	} else if err != nil && err != io.EOF {
		return n, &CorruptError{Blob: v.want, Path: v.path, Err: err}
	}
	return n, err
}

func (v *verifyReader) Close() error { return v.close() }

// encodeVerified compresses src into dst (appending) with enc and, when
// verify is set, checks that dec gives src back, so a compressor fault
// never reaches the store.
func encodeVerified(enc *zstd.Encoder, dec *zstd.Decoder, src, dst, scratch []byte, verify bool) ([]byte, []byte, error) {
	start := len(dst)
	if cap(dst)-start < len(src)/2 {
		dst = append(make([]byte, 0, start+len(src)/2), dst...)
	}
	dst = enc.EncodeAll(src, dst)
	if !verify {
		return dst, scratch, nil
	}
	if cap(scratch) < len(src) {
		scratch = make([]byte, 0, len(src)) // DecodeAll must not grow it by doubling
	}
	var err error
	scratch, err = dec.DecodeAll(dst[start:], scratch[:0])
	if err != nil {
		return dst, scratch, fmt.Errorf("verify compressed data: %w", err)
	}
	if !bytes.Equal(scratch, src) {
		return dst, scratch, errors.New("verify compressed data: round trip differs")
	}
	return dst, scratch, nil
}
