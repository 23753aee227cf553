package cache

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"
)

// SnapshotOptions tune Snapshot. The zero value is a normal snapshot.
type SnapshotOptions struct {
	// ClampMtime, if set, records any mtime later than it as it
	// (SOURCE_DATE_EPOCH).
	ClampMtime *time.Time
	// Rehash ignores the stat cache and reads every file again.
	Rehash bool
	// Progress, if set, is called now and then with the entries walked and
	// content bytes read so far, and once at the end.
	Progress func(files, bytes int64)
	// ReadHook, if set, is called with the tree path of every regular file
	// whose content is read (not served from the stat cache). For tests
	// and diagnostics; it may be called from several goroutines.
	ReadHook func(path string)
}

// racyWindow: a file changed this close to the start of a snapshot may
// change again within the same timestamp tick, so it is not stat-cached.
const racyWindow = 20 * time.Millisecond

// Snapshot stores the tree under dir and returns its digest. File contents
// are streamed: hashed, compressed and verified by a pool of workers,
// small files into pack files and large ones into blobs of their own.
// Nothing becomes visible in the store until all of it is durable; the
// tree manifest is written last. The tree must not change meanwhile.
func (s *Store) Snapshot(ctx context.Context, dir string, opts SnapshotOptions) (digest.Digest, error) {
	unlock, err := s.sharedLock()
	if err != nil {
		return "", err
	}
	defer unlock()
	if err := s.refreshIndex(); err != nil {
		return "", err
	}
	cdir, err := canonicalDir(dir)
	if err != nil {
		return "", fmt.Errorf("snapshot %s: %w", dir, err)
	}
	var old statCache
	if !opts.Rehash {
		old = s.loadStatCache(cdir)
	}
	sn := &snapshotter{
		s:        s,
		opts:     opts,
		old:      old,
		newCache: make(statCache, len(old)),
		links:    map[devIno]*linkGroup{},
		racy:     time.Now().Add(-racyWindow).UnixNano(),
		sess:     &writeSession{s: s, claimed: map[sum]bool{}},
	}
	sn.fn = opts.Progress
	if opts.ClampMtime != nil {
		c := opts.ClampMtime.UnixNano()
		sn.clamp = &c
	}
	d, err := sn.run(ctx, cdir)
	if err != nil {
		sn.sess.abort()
		return "", fmt.Errorf("snapshot %s: %w", dir, err)
	}
	return d, nil
}

type devIno struct{ dev, ino uint64 }

type linkGroup struct {
	// members[0] holds the metadata: the first walked, or for a regular
	// file the first in path order (after the walk), so that the stat
	// cache knows it by the path restore gives the content to
	members []*Entry
	st      unix.Stat_t // a regular file's, for visiting it after the walk
}

type fileJob struct {
	e      *Entry
	f      fdFile
	rec    statRec
	blocks int64 // 512-byte blocks allocated, from the walk's stat
	cache  bool
}

type snapshotter struct {
	s     *Store
	opts  SnapshotOptions
	clamp *int64
	racy  int64

	old statCache

	mu       sync.Mutex // guards newCache
	newCache statCache
	// cacheHits counts the files the walk took from old: when that is
	// all of old and all of newCache, the cache needs no rewrite.
	cacheHits atomic.Int64

	walkMu  sync.Mutex // guards entries and links: directories are walked in parallel
	entries []*Entry
	links   map[devIno]*linkGroup
	walkers *errgroup.Group // walks subdirectories beside the walker that found them

	progress

	sess  *writeSession
	packs *packBuilder
	root  string // the directory being snapshotted

	// Large files found already stored and found new so far: while most
	// are new, a large file is hashed and compressed in one read
	// (compressing in vain when it turns out stored); otherwise it is
	// hashed first and compressed only if new.
	largeStored, largeNew atomic.Int64
}

func (sn *snapshotter) run(ctx context.Context, dir string) (digest.Digest, error) {
	sn.root = dir
	rootfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(rootfd)

	workers := max(sn.s.Workers, 1)
	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan fileJob, 64)
	sn.packs = newPackBuilder(workers)

	g.Go(func() error {
		defer close(jobs)
		var st unix.Stat_t
		if err := unix.Fstat(rootfd, &st); err != nil {
			return fmt.Errorf("stat %s: %w", dir, err)
		}
		root := sn.entryFromStat("/", &st)
		x, err := readXattrs(rootfd, "", dir)
		if err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		root.Xattrs = x
		sn.entries = append(sn.entries, root)
		// Workers walkers at most: with the stat cache, walking is most
		// of what a snapshot does
		walkers, wctx := errgroup.WithContext(gctx)
		walkers.SetLimit(workers)
		sn.walkers = walkers
		walkers.Go(func() error { return sn.walk(wctx, rootfd, "", jobs) })
		if err := walkers.Wait(); err != nil {
			return err
		}
		return sn.visitLinkedFiles(gctx, rootfd, jobs)
	})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			w := &worker{} // reads and hashes; the compressors compress
			for j := range jobs {
				if err := sn.file(gctx, w, j); err != nil {
					for j := range jobs { // release the walker
						j.f.Close()
					}
					return err
				}
			}
			return nil
		})
	}
	var raw []byte // the tree's encoding
	// the stat cache is complete once the file workers are done; it is
	// written beside the rest: it only speeds up the next snapshot, which
	// checks that the blobs it names are stored
	statDone := make(chan error, 1)
	g.Go(func() error {
		wg.Wait()
		if hits := int(sn.cacheHits.Load()); hits == len(sn.old) && hits == len(sn.newCache) {
			statDone <- nil // nothing changed
		} else if gctx.Err() == nil {
			go func() { statDone <- sn.s.saveStatCache(dir, sn.newCache) }()
		} else {
			statDone <- nil
		}
		if err := sn.packs.flush(gctx); err != nil {
			return err
		}
		// every entry is complete: encode the tree while the pack
		// writers finish the last packs
		tree, err := sn.tree()
		if err == nil {
			raw, err = tree.MarshalBinary()
		}
		return err
	})
	for range workers {
		g.Go(func() error {
			w, err := sn.s.newWorker(packWindow)
			if err != nil {
				return err
			}
			defer w.close()
			for job := range sn.packs.full {
				if c := job.chunk; c != nil {
					c.out, w.scratch, c.err = encodeVerified(w.enc, w.dec, c.data, c.out[:0], w.scratch, w.verify)
					c.done <- struct{}{}
					continue
				}
				err := sn.s.writePack(gctx, w, sn.sess, job.pack)
				sn.packs.recycle(job.pack.data)
				if err != nil {
					for job := range sn.packs.full {
						job.release(sn.packs, err)
					}
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		<-statDone // the flush goroutine always answers
		return "", err
	}
	sn.report(true)
	d, err := sn.finish(raw)
	return d, errors.Join(err, <-statDone)
}

// finish makes the blobs durable and visible, compressing the manifest
// meanwhile, and writes the manifest last.
func (sn *snapshotter) finish(raw []byte) (digest.Digest, error) {
	d := digest.FromBytes(raw)
	var comp []byte
	compressed := make(chan error, 1)
	go func() {
		var err error
		comp, err = sn.s.compressManifest(d, raw)
		compressed <- err
	}()
	err := sn.sess.commit()
	if cerr := <-compressed; err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if err := sn.s.writeSnapshot(d, comp); err != nil {
		return "", err
	}
	return d, nil
}

func (sn *snapshotter) entryFromStat(p string, st *unix.Stat_t) *Entry {
	e := &Entry{
		Path:    p,
		Mode:    modeFromUnix(st.Mode & 0o7777),
		UID:     st.Uid,
		GID:     st.Gid,
		MtimeNs: st.Mtim.Nano(),
	}
	if sn.clamp != nil && e.MtimeNs > *sn.clamp {
		e.MtimeNs = *sn.clamp
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		e.Type = TypeDir
	case unix.S_IFREG:
		e.Type = TypeFile
		e.Size = st.Size
	case unix.S_IFLNK:
		e.Type = TypeSymlink
	case unix.S_IFCHR:
		e.Type = TypeChar
		e.Rdev = st.Rdev
	case unix.S_IFBLK:
		e.Type = TypeBlock
		e.Rdev = st.Rdev
	case unix.S_IFIFO:
		e.Type = TypeFifo
	case unix.S_IFSOCK:
		e.Type = TypeSocket
	}
	return e
}

// walk visits the directory open as fd (tree path rel, "" for the root),
// depth first in name order, and queues regular files for the workers. A
// subdirectory goes to another walker when one is free.
func (sn *snapshotter) walk(ctx context.Context, fd int, rel string, jobs chan<- fileJob) error {
	var found []*Entry
	defer func() {
		sn.walkMu.Lock()
		sn.entries = append(sn.entries, found...)
		sn.walkMu.Unlock()
	}()
	names, err := readNames(fd)
	if err != nil {
		return fmt.Errorf("read dir %s: %w", rel+"/", err)
	}
	slices.Sort(names)
	for _, name := range names {
		if name == "." || name == ".." {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		p := rel + "/" + name
		var st unix.Stat_t
		if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("stat %s: %w", p, err)
		}
		e := sn.entryFromStat(p, &st)
		if e.Type == 0 {
			return fmt.Errorf("stat %s: unknown file type %o", p, st.Mode&unix.S_IFMT)
		}
		sn.files.Add(1)
		if e.Type != TypeDir && st.Nlink > 1 {
			k := devIno{st.Dev, st.Ino}
			sn.walkMu.Lock()
			g := sn.links[k]
			if g != nil {
				// a later link carries nothing but the path it links to
				g.members = append(g.members, e)
			} else {
				sn.links[k] = &linkGroup{members: []*Entry{e}, st: st}
			}
			sn.walkMu.Unlock()
			if g != nil || e.Type == TypeFile {
				found = append(found, e) // a linked file is visited after the walk
				continue
			}
		}
		found = append(found, e)
		if e.Type != TypeFile {
			x, err := readXattrs(fd, name, sn.root+p)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			e.Xattrs = x
		}
		switch e.Type {
		case TypeDir:
			sub, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("open %s: %w", p, err)
			}
			if sn.walkers.TryGo(func() error {
				defer unix.Close(sub)
				return sn.walk(ctx, sub, p, jobs)
			}) {
				continue
			}
			err = sn.walk(ctx, sub, p, jobs)
			unix.Close(sub)
			if err != nil {
				return err
			}
		case TypeSymlink:
			l, err := readlinkat(fd, name)
			if err != nil {
				return fmt.Errorf("readlink %s: %w", p, err)
			}
			e.Link = l
		case TypeFile:
			if err := sn.visitFile(ctx, fd, name, e, &st, jobs); err != nil {
				return err
			}
		}
		sn.report(false)
	}
	return nil
}

// visitFile takes regular file e (name in the directory open as fd, which
// may be AT_FDCWD with an absolute name) from the stat cache, or queues it
// for the workers.
func (sn *snapshotter) visitFile(ctx context.Context, fd int, name string, e *Entry, st *unix.Stat_t, jobs chan<- fileJob) error {
	rec := statRec{Ino: st.Ino, Size: st.Size, MtimeNs: st.Mtim.Nano(), CtimeNs: st.Ctim.Nano()}
	cacheable := rec.CtimeNs < sn.racy && rec.MtimeNs < sn.racy
	if old, ok := sn.old[e.Path]; ok && cacheable && old.Ino == rec.Ino && old.Size == rec.Size &&
		old.MtimeNs == rec.MtimeNs && old.CtimeNs == rec.CtimeNs && sn.cachedContentStored(&old) {
		if old.HasSum {
			e.Digest = digestOf(old.Sum)
		}
		e.Sparse = old.Sparse
		e.Xattrs = old.Xattrs
		sn.mu.Lock()
		sn.newCache[e.Path] = old
		sn.mu.Unlock()
		sn.cacheHits.Add(1)
		return nil
	}
	if e.Size == 0 {
		x, err := readXattrs(fd, name, sn.root+e.Path)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Path, err)
		}
		e.Xattrs = x
		if cacheable {
			rec.Xattrs = x
			sn.mu.Lock()
			sn.newCache[e.Path] = rec
			sn.mu.Unlock()
		}
		return nil
	}
	fd2, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NOATIME, 0)
	if err == unix.EPERM {
		fd2, err = unix.Openat(fd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", e.Path, err)
	}
	f := fdFile{fd2, e.Path}
	select {
	case jobs <- fileJob{e: e, f: f, rec: rec, blocks: st.Blocks, cache: cacheable}:
	case <-ctx.Done():
		f.Close()
		return ctx.Err()
	}
	return nil
}

// visitLinkedFiles visits, once the walk is done, the regular files with
// several links, each by the first of its paths (reached from rootfd
// without following a symlink, as the walk would).
func (sn *snapshotter) visitLinkedFiles(ctx context.Context, rootfd int, jobs chan<- fileJob) error {
	for _, g := range sn.links {
		if g.members[0].Type != TypeFile {
			continue
		}
		first := 0
		for i, m := range g.members {
			if m.Path < g.members[first].Path {
				first = i
			}
		}
		g.members[0], g.members[first] = g.members[first], g.members[0]
		e := g.members[0]
		dir, name := path.Split(e.Path)
		fd, err := openDirBeneath(rootfd, dir)
		if err != nil {
			return fmt.Errorf("open %s: %w", e.Path, err)
		}
		err = sn.visitFile(ctx, fd, name, e, &g.st, jobs)
		unix.Close(fd)
		if err != nil {
			return err
		}
	}
	return nil
}

func (sn *snapshotter) cachedContentStored(r *statRec) bool {
	if !r.HasSum {
		return true
	}
	stored := r.Size
	if r.Sparse != nil {
		stored = 0
		for _, g := range r.Sparse {
			stored += g.Length
		}
	}
	return sn.s.hasBlob(r.Sum, stored)
}

func readlinkat(fd int, name string) (string, error) {
	for n := 256; ; n *= 2 {
		buf := make([]byte, n)
		m, err := unix.Readlinkat(fd, name, buf)
		if err != nil {
			return "", err
		}
		if m < n {
			return string(buf[:m]), nil
		}
	}
}

// dataRegions finds the data regions of a file that has fewer blocks (of
// 512 bytes, as stat counts them) than its size needs. It returns nil for
// a dense file.
func dataRegions(fd int, size, blocks int64) ([]Region, error) {
	if blocks*512 >= size {
		return nil, nil
	}
	regions := []Region{}
	var off int64
	for off < size {
		data, err := unix.Seek(fd, off, unix.SEEK_DATA)
		if err == unix.ENXIO {
			break
		}
		if err != nil {
			return nil, err
		}
		hole, err := unix.Seek(fd, data, unix.SEEK_HOLE)
		if err != nil {
			return nil, err
		}
		hole = min(hole, size)
		if hole > data {
			regions = append(regions, Region{Offset: data, Length: hole - data})
		}
		off = hole
	}
	if len(regions) == 1 && regions[0].Offset == 0 && regions[0].Length == size {
		return nil, nil
	}
	return regions, nil
}

// contentReader reads a file's stored content: the whole file, or its
// data regions concatenated.
func contentReader(f io.ReaderAt, size int64, regions []Region) io.Reader {
	if regions == nil {
		return io.NewSectionReader(f, 0, size)
	}
	rs := make([]io.Reader, len(regions))
	for i, r := range regions {
		rs[i] = io.NewSectionReader(f, r.Offset, r.Length)
	}
	return io.MultiReader(rs...)
}

// worker holds per-goroutine compression state, or (a file worker) the
// buffers of the chunks it has the compressors compress.
type worker struct {
	enc     *zstd.Encoder
	dec     *zstd.Decoder
	verify  bool // decode what enc wrote and compare (Store.VerifyWrites)
	small   []byte
	out     []byte
	scratch []byte
	chunks  []chunkJob
}

// chunkSlots is how many chunks of one large file are compressed at once:
// enough to keep every compressor busy on a single big file.
const chunkSlots = 3

// chunkJob is one chunk of a large blob, compressed by whichever
// compressor takes it; done says it is.
type chunkJob struct {
	buf  []byte // chunkSize bytes, data's backing array
	data []byte
	out  []byte
	err  error
	done chan struct{}
}

// compressJob is work for the compressors: a pack to write, or a chunk.
type compressJob struct {
	pack  packBuild
	chunk *chunkJob
}

// release hands a job back unprocessed (the compressors are stopping):
// a pack's buffer to the free list, a chunk to its waiting file worker.
func (j compressJob) release(b *packBuilder, err error) {
	if j.chunk == nil {
		b.recycle(j.pack.data)
		return
	}
	j.chunk.err = err
	j.chunk.done <- struct{}{}
}

// newWorker makes compression state for inputs of up to window bytes.
func (s *Store) newWorker(window int) (*worker, error) {
	// sha256 covers integrity, so no frame CRC. Entropy-coding literals
	// even where no match is found pays on text and objects at
	// SpeedFastest (the other levels do it anyway).
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(s.level()), zstd.WithEncoderConcurrency(1),
		zstd.WithEncoderCRC(false), zstd.WithWindowSize(window), zstd.WithAllLitEntropyCompression(true))
	if err != nil {
		return nil, fmt.Errorf("new encoder: %w", err)
	}
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(64<<20))
	if err != nil {
		return nil, fmt.Errorf("new decoder: %w", err)
	}
	return &worker{enc: enc, dec: dec, verify: s.VerifyWrites}, nil
}

func (w *worker) close() {
	w.enc.Close()
	w.dec.Close()
}

func (s *Store) level() zstd.EncoderLevel {
	if s.Level != 0 {
		return s.Level
	}
	return zstd.SpeedFastest
}

func (sn *snapshotter) file(ctx context.Context, w *worker, j fileJob) error {
	defer j.f.Close()
	e := j.e
	if sn.opts.ReadHook != nil {
		sn.opts.ReadHook(e.Path)
	}
	x, err := readFdXattrs(j.f.fd)
	if err != nil {
		return fmt.Errorf("%s: %w", e.Path, err)
	}
	e.Xattrs = x
	regions, err := dataRegions(j.f.fd, e.Size, j.blocks)
	if err != nil {
		return fmt.Errorf("find data regions of %s: %w", e.Path, err)
	}
	e.Sparse = regions
	stored := e.StoredSize()
	var sm sum
	if stored > 0 {
		if stored < packMax {
			if cap(w.small) < packMax {
				w.small = make([]byte, packMax)
			}
			buf := w.small[:stored]
			if _, err := io.ReadFull(contentReader(j.f, e.Size, regions), buf); err != nil {
				return fmt.Errorf("read %s: %w", e.Path, err)
			}
			sm = sha256.Sum256(buf)
			// a store from before packMax grew keeps some in blob files
			if stored < legacyPackMax || !sn.s.hasBlob(sm, stored) {
				if err := sn.packs.add(ctx, sn.s.idx, sm, buf); err != nil {
					return err
				}
			}
		} else {
			sm, err = sn.large(ctx, w, j.f, e, regions)
			if err != nil {
				return err
			}
		}
		e.Digest = digestOf(sm)
		sn.bytes.Add(stored)
	}
	if err := checkUnchanged(j.f.fd, &j.rec); err != nil {
		return fmt.Errorf("read %s: %w", e.Path, err)
	}
	if j.cache {
		rec := j.rec
		rec.Sum, rec.HasSum, rec.Sparse, rec.Xattrs = sm, stored > 0, regions, e.Xattrs
		sn.mu.Lock()
		sn.newCache[e.Path] = rec
		sn.mu.Unlock()
	}
	sn.report(false)
	return nil
}

var errChanged = errors.New("file changed while being snapshotted")

func checkUnchanged(fd int, rec *statRec) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Size != rec.Size || st.Mtim.Nano() != rec.MtimeNs || st.Ctim.Nano() != rec.CtimeNs {
		return errChanged
	}
	return nil
}

// large stores a big file's content as a blob of its own, compressed in
// verified chunks into a temp blob that commit renames into place. While
// most large files of this snapshot are new, it reads the file once,
// hashing and compressing together, and drops the temp blob if the
// content turns out stored; otherwise it hashes first and compresses only
// new content.
func (sn *snapshotter) large(ctx context.Context, w *worker, f io.ReaderAt, e *Entry, regions []Region) (sum, error) {
	var sm sum
	if w.chunks == nil {
		w.chunks = make([]chunkJob, chunkSlots)
		for i := range w.chunks {
			w.chunks[i] = chunkJob{buf: make([]byte, chunkSize), done: make(chan struct{}, 1)}
		}
	}
	if sn.largeStored.Load() > sn.largeNew.Load() {
		h := sha256.New()
		if _, err := io.CopyBuffer(h, contentReader(f, e.Size, regions), w.chunks[0].buf); err != nil {
			return sm, fmt.Errorf("read %s: %w", e.Path, err)
		}
		copy(sm[:], h.Sum(nil))
		if sn.s.hasBlob(sm, packMax) || !sn.sess.claim(sm) {
			sn.largeStored.Add(1)
			return sm, nil
		}
		sn.largeNew.Add(1)
		tmp, err := sn.compress(ctx, w, contentReader(f, e.Size, regions), e, nil)
		if err != nil {
			sn.sess.unclaim(sm)
			return sm, err
		}
		sn.sess.addBlob(sm, tmp)
		return sm, nil
	}
	h := sha256.New()
	tmp, err := sn.compress(ctx, w, contentReader(f, e.Size, regions), e, h)
	if err != nil {
		return sm, err
	}
	copy(sm[:], h.Sum(nil))
	if sn.s.hasBlob(sm, packMax) || !sn.sess.claim(sm) {
		sn.largeStored.Add(1)
		os.Remove(tmp)
		return sm, nil
	}
	sn.largeNew.Add(1)
	sn.sess.addBlob(sm, tmp)
	return sm, nil
}

// compress writes r in verified chunkSize frames to a new temp file,
// feeding what it reads to h too when h is not nil, and returns the temp
// file's name. The chunks go to the compressors, up to chunkSlots at a
// time, and are written back in order: one big file keeps every core
// busy.
func (sn *snapshotter) compress(ctx context.Context, w *worker, r io.Reader, e *Entry, h hash.Hash) (string, error) {
	tmp, err := sn.s.createTemp("blob-")
	if err != nil {
		return "", fmt.Errorf("store %s: %w", e.Path, err)
	}
	var inFlight []*chunkJob // oldest first
	fail := func(err error) (string, error) {
		for _, c := range inFlight {
			<-c.done
		}
		tmp.Close()
		os.Remove(tmp.Name())
		return "", err
	}
	// writeOldest waits for the oldest chunk in flight and writes it.
	writeOldest := func() error {
		c := inFlight[0]
		inFlight = inFlight[1:]
		<-c.done
		if c.err != nil {
			return fmt.Errorf("compress %s: %w", e.Path, c.err)
		}
		if _, err := tmp.Write(c.out); err != nil {
			return fmt.Errorf("store %s: %w", e.Path, err)
		}
		return nil
	}
	for next := 0; ; next++ {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		if len(inFlight) == len(w.chunks) {
			if err := writeOldest(); err != nil {
				return fail(err)
			}
		}
		c := &w.chunks[next%len(w.chunks)] // the slot writeOldest freed
		m, rerr := io.ReadFull(r, c.buf[:chunkSize])
		if m > 0 {
			c.data = c.buf[:m]
			if h != nil {
				h.Write(c.data)
			}
			select {
			case sn.packs.full <- compressJob{chunk: c}:
				inFlight = append(inFlight, c)
			case <-ctx.Done():
				return fail(ctx.Err())
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return fail(fmt.Errorf("read %s: %w", e.Path, rerr))
		}
	}
	for len(inFlight) > 0 {
		if err := writeOldest(); err != nil {
			return fail(err)
		}
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("store %s: %w", e.Path, err)
	}
	return tmp.Name(), nil
}

// packBuild is a pack being assembled: the raw data and its blobs.
type packBuild struct {
	data  []byte
	blobs []packBlob
}

// packBuilder gathers small blobs not stored yet into packs of about
// packTarget bytes, in arrival order (roughly walk order, so similar files
// sit together). Pack buffers come from a fixed free list, which bounds
// memory and spares the garbage collector.
type packBuilder struct {
	mu      sync.Mutex
	seen    map[sum]bool
	cur     packBuild
	writers int
	free    chan []byte
	full    chan compressJob // packs, and chunks of large blobs
}

func newPackBuilder(writers int) *packBuilder {
	n := writers + 2
	b := &packBuilder{seen: map[sum]bool{}, writers: writers, free: make(chan []byte, n), full: make(chan compressJob, 1)}
	for range n - 1 {
		b.free <- make([]byte, 0, packTarget+packMax)
	}
	b.cur.data = make([]byte, 0, packTarget+packMax)
	return b
}

// recycle puts a compressed pack's buffer back on the free list; the
// parts of the last pack share one buffer, which is not needed again.
func (b *packBuilder) recycle(data []byte) {
	select {
	case b.free <- data[:0]:
	default:
	}
}

func (b *packBuilder) add(ctx context.Context, idx *packIndex, sm sum, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen[sm] {
		return nil
	}
	b.seen[sm] = true
	if _, ok := idx.lookup(sm); ok {
		return nil
	}
	b.cur.blobs = append(b.cur.blobs, packBlob{sum: sm, offset: int64(len(b.cur.data)), length: int64(len(data))})
	b.cur.data = append(b.cur.data, data...)
	if len(b.cur.data) < packTarget {
		return nil
	}
	return b.ship(ctx)
}

// ship hands the current pack to the writers and takes a free buffer.
// Called with mu held: other workers wait, which is the backpressure.
func (b *packBuilder) ship(ctx context.Context) error {
	select {
	case b.full <- compressJob{pack: b.cur}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case buf := <-b.free:
		b.cur = packBuild{data: buf}
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// flush ships the last, partial pack and tells the writers there is no
// more. Nothing else is left to compress then, so the last pack goes out
// in one part per writer: none of them waits while one compresses it all.
func (b *packBuilder) flush(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	defer close(b.full)
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, part := range splitPack(b.cur, b.writers) {
		select {
		case b.full <- compressJob{pack: part}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// splitPack cuts pb at blob boundaries into at most n parts of about the
// same size, each at least minPackPart bytes.
func splitPack(pb packBuild, n int) []packBuild {
	if len(pb.blobs) == 0 {
		return nil
	}
	n = min(n, len(pb.data)/minPackPart)
	if n <= 1 {
		return []packBuild{pb}
	}
	var parts []packBuild
	start, first := int64(0), 0
	for i, bl := range pb.blobs {
		end := bl.offset + bl.length
		last := i == len(pb.blobs)-1
		if !last && end < int64(len(pb.data))*int64(len(parts)+1)/int64(n) {
			continue
		}
		part := packBuild{data: pb.data[start:end:end]}
		for _, x := range pb.blobs[first : i+1] {
			x.offset -= start
			part.blobs = append(part.blobs, x)
		}
		parts = append(parts, part)
		start, first = end, i+1
	}
	return parts
}

// minPackPart: below this a pack is not worth splitting.
const minPackPart = 512 << 10

// writePack compresses and verifies a pack and writes it to a temp file
// that commit renames to the pack's name: the hash of its index and
// trailer, which name every blob's sha256 and length, so the name stands
// for the content without hashing the compressed bytes again.
func (s *Store) writePack(ctx context.Context, w *worker, sess *writeSession, pb packBuild) error {
	var err error
	w.out, w.scratch, err = encodeVerified(w.enc, w.dec, pb.data, w.out[:0], w.scratch, w.verify)
	if err != nil {
		return fmt.Errorf("compress pack: %w", err)
	}
	p := &pack{dataLen: int64(len(w.out)), rawLen: int64(len(pb.data)), blobs: pb.blobs}
	tail := encodePackTail(p)
	p.name = digestOf(sha256.Sum256(tail)).Encoded()
	p.fileSize = int64(len(w.out) + len(tail))
	tmp, err := s.createTemp("pack-")
	if err != nil {
		return fmt.Errorf("write pack: %w", err)
	}
	_, werr := tmp.Write(w.out)
	if werr == nil {
		_, werr = tmp.Write(tail)
	}
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write pack: %w", err)
	}
	sess.addPack(p, tmp.Name())
	return nil
}

// writeSession tracks what one Snapshot wrote to tmp/. commit makes it
// durable and visible; abort removes it.
type writeSession struct {
	s       *Store
	mu      sync.Mutex
	claimed map[sum]bool
	blobs   []pendingFile
	packs   []*pack
	packTmp []string
}

type pendingFile struct {
	sum sum
	tmp string
}

func (w *writeSession) claim(sm sum) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.claimed[sm] {
		return false
	}
	w.claimed[sm] = true
	return true
}

func (w *writeSession) unclaim(sm sum) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.claimed, sm)
}

func (w *writeSession) addBlob(sm sum, tmp string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.blobs = append(w.blobs, pendingFile{sm, tmp})
}

func (w *writeSession) addPack(p *pack, tmp string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.packs = append(w.packs, p)
	w.packTmp = append(w.packTmp, tmp)
}

func (w *writeSession) abort() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, b := range w.blobs {
		os.Remove(b.tmp)
	}
	for _, t := range w.packTmp {
		os.Remove(t)
	}
	w.blobs, w.packs, w.packTmp = nil, nil, nil
}

// commit: one syncfs makes every temp file durable, then they are renamed
// into place and the directories synced, so a visible blob or pack is
// always complete.
func (w *writeSession) commit() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.blobs) == 0 && len(w.packs) == 0 {
		return nil
	}
	if err := w.s.syncfs(); err != nil {
		return err
	}
	for _, b := range w.blobs {
		if err := os.Rename(b.tmp, w.s.blobPath(digestOf(b.sum))); err != nil {
			return fmt.Errorf("commit blob: %w", err)
		}
	}
	for i, p := range w.packs {
		if err := os.Rename(w.packTmp[i], w.s.packPath(p.name)); err != nil {
			return fmt.Errorf("commit pack: %w", err)
		}
	}
	if err := syncDir(w.s.path(dirBlobs)); err != nil {
		return err
	}
	if err := syncDir(w.s.path(dirPacks)); err != nil {
		return err
	}
	for _, p := range w.packs {
		w.s.idx.add(p)
	}
	w.blobs, w.packs, w.packTmp = nil, nil, nil
	return nil
}

// compressManifest compresses tree manifest raw, or returns nil when
// snapshot d is stored already.
func (s *Store) compressManifest(d digest.Digest, raw []byte) ([]byte, error) {
	if _, err := os.Stat(s.snapshotPath(d)); err == nil {
		return nil, nil
	}
	// SpeedFastest: a snapshot that changed little (the common case)
	// spent a twentieth of its time here at SpeedDefault, which made the
	// manifest of a 78k-entry tree no smaller (3.7 MB either way)
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("write snapshot %s: %w", d, err)
	}
	defer enc.Close()
	return enc.EncodeAll(raw, nil), nil
}

// writeSnapshot stores a compressed tree manifest under its digest,
// durably (nothing when comp is nil); it is the last write of a snapshot.
func (s *Store) writeSnapshot(d digest.Digest, comp []byte) error {
	if comp == nil {
		return nil
	}
	if err := s.writeFileAtomic(s.snapshotPath(d), comp); err != nil {
		return fmt.Errorf("write snapshot %s: %w", d, err)
	}
	return nil
}

// tree sorts the walked entries and turns hard link groups into one
// entry with the metadata (the first path in order) and hardlinks to it.
func (sn *snapshotter) tree() (*Tree, error) {
	for _, g := range sn.links {
		if len(g.members) < 2 {
			continue
		}
		first := g.members[0]
		minE := first
		for _, m := range g.members[1:] {
			if m.Path < minE.Path {
				minE = m
			}
		}
		if minE != first {
			p := minE.Path
			*minE = *first
			minE.Path = p
		}
		for _, m := range g.members {
			if m == minE {
				continue
			}
			*m = Entry{Path: m.Path, Type: TypeHardlink, Hardlink: minE.Path}
		}
	}
	// sort pointers, not entries: far less to move
	sorted := slices.Clone(sn.entries)
	slices.SortFunc(sorted, func(a, b *Entry) int { return strings.Compare(a.Path, b.Path) })
	entries := make([]Entry, len(sorted))
	for i, e := range sorted {
		entries[i] = *e
	}
	return &Tree{Entries: entries}, nil // MarshalBinary validates it
}
