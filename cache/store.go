package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"
)

// Store is a content-addressed store of directory-tree snapshots. It is
// safe for concurrent use by several goroutines and several processes.
type Store struct {
	root string

	// Workers is the number of hash/compress/restore workers; set before
	// use. Open sets it to GOMAXPROCS.
	Workers int

	idx *packIndex

	// Level is the zstd level for new blobs; zero means zstd.SpeedFastest,
	// which with packing stores within a few percent of tar | zstd -3.
	Level zstd.EncoderLevel

	// VerifyWrites decompresses every new frame before it is stored and
	// compares it with its input, so that a compressor fault fails the
	// snapshot instead of storing a blob that no restore can read. It
	// costs about 16% of a full snapshot's time. Without it a fault is
	// still never a silently wrong file (every restore checks each blob's
	// sha256), and Check finds and removes the damage.
	VerifyWrites bool

	decoders sync.Pool // *zstd.Decoder, concurrency 1
}

// Store layout under root. Everything is written under tmp/ first and
// renamed into place.
const (
	dirTmp       = "tmp"
	dirBlobs     = "blobs/sha256"
	dirPacks     = "packs"
	dirSnapshots = "snapshots/sha256"
	dirRefs      = "refs"
	dirStatCache = "statcache"
	fileLock     = "lock"
)

// Open opens the store at root, creating its layout if needed. When no
// other user holds the store, leftover temporary files of a crashed
// writer are removed.
func Open(root string) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", root, err)
	}
	for _, d := range []string{dirTmp, dirBlobs, dirPacks, dirSnapshots, dirRefs, dirStatCache} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o700); err != nil {
			return nil, fmt.Errorf("open store %s: %w", root, err)
		}
	}
	s := &Store{root: abs, Workers: runtime.GOMAXPROCS(0), idx: newPackIndex()}
	s.decoders.New = func() any {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(64<<20))
		if err != nil {
			panic(err) // only on invalid options
		}
		return d
	}
	unlock, ok, err := s.tryLock()
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", root, err)
	}
	if ok {
		err = s.cleanTmp()
		unlock()
		if err != nil {
			return nil, fmt.Errorf("open store %s: %w", root, err)
		}
	}
	return s, nil
}

// Root returns the store's directory.
func (s *Store) Root() string { return s.root }

func (s *Store) path(elem ...string) string {
	return filepath.Join(append([]string{s.root}, elem...)...)
}

func (s *Store) lockFile(how int) (func(), error) {
	f, err := os.OpenFile(s.path(fileLock), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// sharedLock is held by every reader and writer; GC takes it exclusively.
func (s *Store) sharedLock() (func(), error) {
	u, err := s.lockFile(unix.LOCK_SH)
	if err != nil {
		return nil, fmt.Errorf("lock store: %w", err)
	}
	return u, nil
}

func (s *Store) exclusiveLock() (func(), error) {
	u, err := s.lockFile(unix.LOCK_EX)
	if err != nil {
		return nil, fmt.Errorf("lock store: %w", err)
	}
	return u, nil
}

func (s *Store) tryLock() (func(), bool, error) {
	u, err := s.lockFile(unix.LOCK_EX | unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return u, true, nil
}

func (s *Store) cleanTmp() error {
	ents, err := os.ReadDir(s.path(dirTmp))
	if err != nil {
		return fmt.Errorf("clean tmp: %w", err)
	}
	for _, e := range ents {
		if err := os.RemoveAll(s.path(dirTmp, e.Name())); err != nil {
			return fmt.Errorf("clean tmp: %w", err)
		}
	}
	return nil
}

func randomName() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// createTemp creates a new file under tmp/.
func (s *Store) createTemp(prefix string) (*os.File, error) {
	return os.OpenFile(s.path(dirTmp, prefix+randomName()), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}

// syncfs flushes the store's filesystem.
func (s *Store) syncfs() error {
	f, err := os.Open(s.root)
	if err != nil {
		return fmt.Errorf("syncfs: %w", err)
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("syncfs %s: %w", s.root, err)
	}
	return nil
}

// writeFileAtomic writes data to dst via a synced temp file and a rename,
// then syncs dst's directory.
func (s *Store) writeFileAtomic(dst string, data []byte) error {
	f, err := s.createTemp("w-")
	if err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", dst, err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", dst, err)
	}
	return syncDir(filepath.Dir(dst))
}

func checkDigest(d digest.Digest) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("digest %q: %w", d, err)
	}
	if d.Algorithm() != digest.SHA256 {
		return fmt.Errorf("digest %q: not sha256", d)
	}
	return nil
}

func (s *Store) snapshotPath(d digest.Digest) string {
	return s.path(dirSnapshots, d.Encoded())
}

// HasSnapshot reports whether the snapshot is stored.
func (s *Store) HasSnapshot(ctx context.Context, snap digest.Digest) (bool, error) {
	if err := checkDigest(snap); err != nil {
		return false, err
	}
	_, err := os.Stat(s.snapshotPath(snap))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat snapshot %s: %w", snap, err)
	}
	return true, nil
}

// Tree reads, verifies and parses a snapshot's tree manifest.
func (s *Store) Tree(ctx context.Context, snap digest.Digest) (*Tree, error) {
	if err := checkDigest(snap); err != nil {
		return nil, err
	}
	comp, err := os.ReadFile(s.snapshotPath(snap))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read snapshot %s: %w", snap, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", snap, err)
	}
	dec := s.decoders.Get().(*zstd.Decoder)
	raw, err := dec.DecodeAll(comp, nil)
	s.decoders.Put(dec)
	if err != nil {
		return nil, &CorruptError{Blob: snap, Path: s.snapshotPath(snap), Err: err}
	}
	if got := digest.FromBytes(raw); got != snap {
		return nil, &CorruptError{Blob: snap, Path: s.snapshotPath(snap), Err: fmt.Errorf("content hashes to %s", got)}
	}
	var t Tree
	if err := t.UnmarshalBinary(raw); err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", snap, err)
	}
	return &t, nil
}

var refName = regexp.MustCompile(`^[A-Za-z0-9._/-]+$`)

func checkRefName(name string) error {
	if !refName.MatchString(name) || name == "." || name == ".." {
		return fmt.Errorf("ref name %q: must match [A-Za-z0-9._/-]+ and not be . or ..", name)
	}
	return nil
}

// refs are stored flat: "/" in a name becomes "%", which names cannot hold.
func (s *Store) refPath(name string) string {
	return s.path(dirRefs, strings.ReplaceAll(name, "/", "%"))
}

// SetRef points name at snap, atomically replacing any previous value.
// The snapshot must exist.
func (s *Store) SetRef(ctx context.Context, name string, snap digest.Digest) error {
	if err := checkRefName(name); err != nil {
		return err
	}
	ok, err := s.HasSnapshot(ctx, snap)
	if err != nil {
		return fmt.Errorf("set ref %s: %w", name, err)
	}
	if !ok {
		return fmt.Errorf("set ref %s: snapshot %s: %w", name, snap, ErrNotFound)
	}
	return s.writeFileAtomic(s.refPath(name), []byte(snap.String()+"\n"))
}

// Ref returns the snapshot name points at, or ErrNotFound.
func (s *Store) Ref(ctx context.Context, name string) (digest.Digest, error) {
	if err := checkRefName(name); err != nil {
		return "", err
	}
	b, err := os.ReadFile(s.refPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read ref %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read ref %s: %w", name, err)
	}
	d, err := digest.Parse(string(bytes.TrimSpace(b)))
	if err != nil {
		return "", fmt.Errorf("read ref %s: %w", name, err)
	}
	return d, nil
}

// Refs returns every ref.
func (s *Store) Refs(ctx context.Context) (map[string]digest.Digest, error) {
	ents, err := os.ReadDir(s.path(dirRefs))
	if err != nil {
		return nil, fmt.Errorf("list refs: %w", err)
	}
	m := make(map[string]digest.Digest, len(ents))
	for _, e := range ents {
		name := strings.ReplaceAll(e.Name(), "%", "/")
		if checkRefName(name) != nil {
			continue
		}
		d, err := s.Ref(ctx, name)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("list refs: %w", err)
		}
		m[name] = d
	}
	return m, nil
}

// DeleteRef removes a ref; ErrNotFound if it does not exist.
func (s *Store) DeleteRef(ctx context.Context, name string) error {
	if err := checkRefName(name); err != nil {
		return err
	}
	err := os.Remove(s.refPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete ref %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("delete ref %s: %w", name, err)
	}
	return syncDir(s.path(dirRefs))
}

// SnapshotInfo summarises a stored snapshot.
type SnapshotInfo struct {
	Digest  digest.Digest
	Entries int
	// Bytes is the uncompressed content of its regular files (hard links
	// counted once, holes not counted).
	Bytes int64
	// Stored is the compressed size of its distinct blobs; a blob kept in a
	// pack is charged its share of the pack by uncompressed size.
	Stored int64
}

func (s *Store) listSnapshots() ([]digest.Digest, error) {
	ents, err := os.ReadDir(s.path(dirSnapshots))
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	var out []digest.Digest
	for _, e := range ents {
		d := digest.NewDigestFromEncoded(digest.SHA256, e.Name())
		if d.Validate() == nil {
			out = append(out, d)
		}
	}
	return out, nil
}

// Snapshots lists every stored snapshot, sorted by digest.
func (s *Store) Snapshots(ctx context.Context) ([]SnapshotInfo, error) {
	unlock, err := s.sharedLock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := s.refreshIndex(); err != nil {
		return nil, err
	}
	snaps, err := s.listSnapshots()
	if err != nil {
		return nil, err
	}
	var out []SnapshotInfo
	for _, d := range snaps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t, err := s.Tree(ctx, d)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		info := SnapshotInfo{Digest: d, Entries: len(t.Entries)}
		seen := map[digest.Digest]bool{}
		for i := range t.Entries {
			e := &t.Entries[i]
			if e.Type != TypeFile {
				continue
			}
			info.Bytes += e.StoredSize()
			if e.Digest == "" || seen[e.Digest] {
				continue
			}
			seen[e.Digest] = true
			info.Stored += s.storedSize(e.Digest)
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Digest < out[j].Digest })
	return out, nil
}
