package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/zstd"
)

// statRec remembers what a regular file looked like when its content was
// last hashed, so an unchanged file is not read again. It is trusted only
// when size, mtime, ctime and inode all match and the blob is still stored.
type statRec struct {
	Ino     uint64
	Size    int64
	MtimeNs int64
	CtimeNs int64
	Sum     sum
	HasSum  bool
	Sparse  []Region
	// Xattrs are the file's extended attributes: setting or removing
	// one moves the ctime, so a file whose ctime matches has these.
	Xattrs map[string][]byte
}

// statCache is keyed by tree path.
type statCache map[string]statRec

// statMagic: v1 files, without xattrs, are ignored (read once in full).
const statMagic = "xbuild-statcache-v2\n"

// statCachePath names the cache of one snapshotted directory by the hash
// of its absolute path.
func (s *Store) statCachePath(dir string) string {
	h := sha256.Sum256([]byte(dir))
	return s.path(dirStatCache, digestOf(h).Encoded())
}

func (s *Store) loadStatCache(dir string) statCache {
	comp, err := os.ReadFile(s.statCachePath(dir))
	if err != nil {
		return nil
	}
	dec := s.decoders.Get().(*zstd.Decoder)
	raw, err := dec.DecodeAll(comp, nil)
	s.decoders.Put(dec)
	if err != nil || !bytes.HasPrefix(raw, []byte(statMagic)) {
		return nil
	}
	d := &decoder{b: raw[len(statMagic):]}
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		return nil
	}
	c := make(statCache, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		p := d.str()
		var r statRec
		r.Ino = d.uvarint()
		r.Size = d.varint()
		r.MtimeNs = d.varint()
		r.CtimeNs = d.varint()
		if d.byte1() == 1 {
			r.HasSum = true
			if len(d.b) < len(r.Sum) {
				return nil
			}
			copy(r.Sum[:], d.b)
			d.b = d.b[len(r.Sum):]
		}
		if d.byte1() == 1 {
			nr := d.uvarint()
			if nr > uint64(len(d.b)) {
				return nil
			}
			r.Sparse = make([]Region, 0, nr)
			for j := uint64(0); j < nr; j++ {
				off := d.varint()
				r.Sparse = append(r.Sparse, Region{Offset: off, Length: d.varint()})
			}
		}
		nx := d.uvarint()
		if nx > uint64(len(d.b)) {
			return nil
		}
		if nx > 0 {
			r.Xattrs = make(map[string][]byte, nx)
			for j := uint64(0); j < nx && d.err == nil; j++ {
				k := d.str()
				r.Xattrs[k] = []byte(d.str())
			}
		}
		c[p] = r
	}
	if d.err != nil {
		return nil
	}
	return c
}

// saveStatCache replaces the cache of dir. It is only a cache: it is
// renamed into place without a sync, and a damaged one is ignored.
func (s *Store) saveStatCache(dir string, c statCache) error {
	n := len(statMagic) + binary.MaxVarintLen64
	for p := range c {
		n += len(p) + 80 // varints, sum, flags; sparse files may grow it
	}
	b := make([]byte, 0, n)
	b = append(b, statMagic...)
	b = binary.AppendUvarint(b, uint64(len(c)))
	for p, r := range c {
		b = appendString(b, p)
		b = binary.AppendUvarint(b, r.Ino)
		b = binary.AppendVarint(b, r.Size)
		b = binary.AppendVarint(b, r.MtimeNs)
		b = binary.AppendVarint(b, r.CtimeNs)
		if r.HasSum {
			b = append(b, 1)
			b = append(b, r.Sum[:]...)
		} else {
			b = append(b, 0)
		}
		if r.Sparse == nil {
			b = append(b, 0)
		} else {
			b = append(b, 1)
			b = binary.AppendUvarint(b, uint64(len(r.Sparse)))
			for _, g := range r.Sparse {
				b = binary.AppendVarint(b, g.Offset)
				b = binary.AppendVarint(b, g.Length)
			}
		}
		b = binary.AppendUvarint(b, uint64(len(r.Xattrs)))
		for _, k := range sortedKeys(r.Xattrs) {
			b = appendString(b, k)
			b = appendString(b, string(r.Xattrs[k]))
		}
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return err
	}
	comp := enc.EncodeAll(b, nil)
	f, err := s.createTemp("stat-")
	if err != nil {
		return fmt.Errorf("save stat cache: %w", err)
	}
	_, werr := f.Write(comp)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("save stat cache: %w", err)
	}
	if err := os.Rename(f.Name(), s.statCachePath(dir)); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("save stat cache: %w", err)
	}
	return nil
}

// canonicalDir is the absolute, symlink-free path a stat cache is keyed by.
func canonicalDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}
