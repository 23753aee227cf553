package sources

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/xlapp/xbuild/manifests"
)

// Store is a content-addressed directory of verified source files.
// It is safe for concurrent use, also by several processes: a download
// holds a lock file in partial/ for its sha256.
type Store struct {
	root string
}

// Open opens the store at root, creating its directories if needed.
func Open(root string) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open source store %s: %w", root, err)
	}
	for _, d := range []string{"sha256", "partial", "quarantine"} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o755); err != nil {
			return nil, fmt.Errorf("open source store %s: %w", root, err)
		}
	}
	return &Store{root: abs}, nil
}

// Root returns the store's directory.
func (s *Store) Root() string { return s.root }

func (s *Store) blobPath(d digest.Digest) string {
	return filepath.Join(s.root, "sha256", d.Encoded())
}

func (s *Store) partialPath(d digest.Digest) string {
	return filepath.Join(s.root, "partial", d.Encoded())
}

// Path returns the path of the verified copy of src in the store. The copy
// was hashed when it entered the store; Path only checks that it is there
// with the right size (Verify re-hashes it). A source that is not there
// gives an error wrapping ErrMissing, one with the wrong size ErrCorrupt.
// The file must not be modified: it is shared by every build.
func (s *Store) Path(ctx context.Context, src manifests.Source) (string, error) {
	if err := checkSource(src); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("source %s: %w", src.File, err)
	}
	p := s.blobPath(src.SHA256)
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", &missingError{file: src.File}
	}
	if err != nil {
		return "", fmt.Errorf("source %s: %w", src.File, err)
	}
	if !fi.Mode().IsRegular() || (src.SizeKnown() && fi.Size() != src.Size) {
		return "", fmt.Errorf("source %s: %s has %d bytes, want %s (run xbuild fetch): %w",
			src.File, p, fi.Size(), sizeText(src), ErrCorrupt)
	}
	return p, nil
}

// Verify checks the stored copy of src: its size first, then its full
// sha256. A copy that does not match is moved to quarantine/, so that the
// next Fetch fetches it again, and Verify returns a *HashMismatchError (or,
// for a wrong size, an error wrapping ErrCorrupt).
func (s *Store) Verify(ctx context.Context, src manifests.Source) error {
	p, err := s.Path(ctx, src)
	if errors.Is(err, ErrCorrupt) {
		q, qerr := s.quarantine(p, src.File, "")
		if qerr != nil {
			return errors.Join(err, qerr)
		}
		return fmt.Errorf("%w (moved to %s)", err, q)
	}
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("verify source %s: %w", src.File, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		return fmt.Errorf("verify source %s: %w", src.File, err)
	}
	got := digest.NewDigest(digest.SHA256, h)
	if got == src.SHA256 {
		return nil
	}
	f.Close()
	q, err := s.quarantine(p, src.File, got.Encoded())
	if err != nil {
		return fmt.Errorf("verify source %s: %w", src.File, err)
	}
	return &HashMismatchError{File: src.File, URL: p, Want: src.SHA256, Got: got, Quarantined: q}
}

// quarantine moves path into quarantine/ under a name telling the file it
// was meant to be and, when known, what it is.
func (s *Store) quarantine(path, file, gotHex string) (string, error) {
	name := filepath.Base(file)
	if gotHex != "" {
		name += ".sha256-" + gotHex
	}
	name += "." + time.Now().UTC().Format("20060102T150405.000000000")
	q := filepath.Join(s.root, "quarantine", name)
	if err := os.Rename(path, q); err != nil {
		return "", fmt.Errorf("quarantine %s: %w", path, err)
	}
	return q, nil
}

// commit moves a verified partial file into sha256/ and syncs the directory
// so the rename survives a crash.
func (s *Store) commit(d digest.Digest) error {
	src, dst := s.partialPath(d), s.blobPath(d)
	if err := os.Chmod(src, 0o444); err != nil {
		return fmt.Errorf("commit %s: %w", d, err)
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("commit %s: %w", d, err)
	}
	return syncDir(filepath.Dir(dst))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return d.Close()
}

// present reports whether src is in the store. A stored file of the wrong
// size is moved to quarantine so that it is fetched again.
func (s *Store) present(src manifests.Source) (bool, error) {
	p := s.blobPath(src.SHA256)
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", p, err)
	}
	if fi.Mode().IsRegular() && (!src.SizeKnown() || fi.Size() == src.Size) {
		return true, nil
	}
	if _, err := s.quarantine(p, src.File, ""); err != nil {
		return false, err
	}
	return false, nil
}

func checkSource(src manifests.Source) error {
	if src.SHA256.Algorithm() != digest.SHA256 {
		return fmt.Errorf("source %s: digest %q is not sha256", src.File, src.SHA256)
	}
	if err := src.SHA256.Validate(); err != nil {
		return fmt.Errorf("source %s: %w", src.File, err)
	}
	if src.Size < 0 {
		return fmt.Errorf("source %s: negative size %d", src.File, src.Size)
	}
	if src.File == "" || strings.ContainsRune(src.File, '/') {
		return fmt.Errorf("source %q: file must be a plain file name", src.File)
	}
	return nil
}

// ctxReader stops a long copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
