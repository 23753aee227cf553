package install

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"syscall"

	"github.com/opencontainers/go-digest"
)

// Snapshot is the built system to install. Restore writes the tree into
// dir (an existing, empty directory) and verifies every blob it reads,
// failing on corruption.
type Snapshot interface {
	Digest() digest.Digest
	Restore(ctx context.Context, dir string) error
}

// Sizer is implemented by snapshots that know their unpacked size, used to
// refuse a device that is too small.
type Sizer interface {
	Size(ctx context.Context) (int64, error)
}

// Verifier is implemented by snapshots that can check every blob without
// writing anything, so a corrupt snapshot is refused before any disk changes.
type Verifier interface {
	Verify(ctx context.Context) error
}

// ErrCorrupt reports a snapshot whose content does not match its digest.
var ErrCorrupt = errors.New("snapshot content does not match its digest")

// DirSnapshot is a directory-backed Snapshot: at creation it records every
// entry (type, mode, owner, symlink target, file digest); Verify and Restore
// re-hash the files and fail with ErrCorrupt on any difference. It serves
// tests: it keeps no hardlinks, device nodes, FIFOs, xattrs or times, so
// "xbuild install --from-dir" goes through the store instead.
type DirSnapshot struct {
	dir     string
	entries []dirEntry
	digest  digest.Digest
	size    int64
}

type dirEntry struct {
	path     string // slash-separated, relative
	mode     fs.FileMode
	uid, gid int
	link     string
	sum      digest.Digest
	size     int64
}

// NewDirSnapshot records the tree at dir.
func NewDirSnapshot(ctx context.Context, dir string) (*DirSnapshot, error) {
	s := &DirSnapshot{dir: dir}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e := dirEntry{path: filepath.ToSlash(rel), mode: info.Mode()}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			e.uid, e.gid = int(st.Uid), int(st.Gid)
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			if e.link, err = os.Readlink(p); err != nil {
				return err
			}
		case info.Mode().IsRegular():
			if e.sum, e.size, err = hashFile(p, nil); err != nil {
				return err
			}
			s.size += e.size
		case info.IsDir():
		default:
			return fmt.Errorf("snapshot %s: unsupported file type %v", p, info.Mode().Type())
		}
		s.entries = append(s.entries, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", dir, err)
	}
	sort.Slice(s.entries, func(i, j int) bool { return s.entries[i].path < s.entries[j].path })
	h := sha256.New()
	for _, e := range s.entries {
		fmt.Fprintf(h, "%q %o %d %d %q %s\n", e.path, uint32(e.mode), e.uid, e.gid, e.link, e.sum)
	}
	s.digest = digest.NewDigestFromEncoded(digest.SHA256, hex.EncodeToString(h.Sum(nil)))
	return s, nil
}

// Digest is a sha256 over the recorded listing.
func (s *DirSnapshot) Digest() digest.Digest { return s.digest }

// Size is the total size of the regular files.
func (s *DirSnapshot) Size(context.Context) (int64, error) { return s.size, nil }

// Verify re-hashes every file.
func (s *DirSnapshot) Verify(ctx context.Context) error {
	for _, e := range s.entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !e.mode.IsRegular() {
			continue
		}
		sum, _, err := hashFile(filepath.Join(s.dir, e.path), nil)
		if err != nil {
			return fmt.Errorf("verify snapshot %s: %w", s.digest, err)
		}
		if sum != e.sum {
			return fmt.Errorf("verify snapshot %s: %s: %w", s.digest, e.path, ErrCorrupt)
		}
	}
	return nil
}

// Restore copies the tree into dir, checking each file's digest as it is
// copied.
func (s *DirSnapshot) Restore(ctx context.Context, dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("restore snapshot %s: %w", s.digest, err)
	}
	defer root.Close()
	var dirs []dirEntry
	for _, e := range s.entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.restoreOne(root, e); err != nil {
			return fmt.Errorf("restore snapshot %s: %s: %w", s.digest, e.path, err)
		}
		if e.mode.IsDir() {
			dirs = append(dirs, e)
		}
	}
	// Directory modes last, so a read-only directory could still be filled.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := root.Chmod(dirs[i].path, dirs[i].mode.Perm()|dirs[i].mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
			return fmt.Errorf("restore snapshot %s: %w", s.digest, err)
		}
	}
	return nil
}

func (s *DirSnapshot) restoreOne(root *os.Root, e dirEntry) error {
	switch {
	case e.mode.IsDir():
		if err := root.Mkdir(e.path, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	case e.mode&fs.ModeSymlink != 0:
		if err := root.Symlink(e.link, e.path); err != nil {
			return err
		}
	default:
		src, err := os.Open(filepath.Join(s.dir, e.path))
		if err != nil {
			return err
		}
		defer src.Close()
		dst, err := root.OpenFile(e.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.Copy(io.MultiWriter(dst, h), src)
		if err == nil && os.Geteuid() == 0 {
			err = dst.Chown(e.uid, e.gid) // before Chmod: chown clears set-id bits
		}
		if err == nil {
			err = dst.Chmod(e.mode.Perm() | e.mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
		}
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if digest.NewDigest(digest.SHA256, h) != e.sum {
			return ErrCorrupt
		}
		return nil
	}
	if os.Geteuid() == 0 {
		return root.Lchown(e.path, e.uid, e.gid)
	}
	return nil
}

func hashFile(p string, w io.Writer) (digest.Digest, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	var dst io.Writer = h
	if w != nil {
		dst = io.MultiWriter(h, w)
	}
	n, err := io.Copy(dst, f)
	if err != nil {
		return "", 0, err
	}
	return digest.NewDigest(digest.SHA256, h), n, nil
}
