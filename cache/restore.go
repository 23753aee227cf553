package cache

import (
	"bufio"
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"
)

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Progress, if set, is called now and then with the files and content
	// bytes written so far, and once at the end.
	Progress func(files, bytes int64)
}

// Restore recreates snapshot snap at dir, which must not exist or be an
// empty directory. The tree is built in a sibling "dir.tmp-XXXX" and
// renamed into place only when complete, so a failed or cancelled restore
// leaves dir as it was. When dir is an empty mount point (it cannot be
// renamed over) the tree is built in dir itself and, on failure, dir is
// emptied again. Every blob is verified while it is written; a mismatch
// is a *CorruptError naming blob and tree path.
func (s *Store) Restore(ctx context.Context, snap digest.Digest, dir string, opts RestoreOptions) error {
	unlock, err := s.sharedLock()
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.refreshIndex(); err != nil {
		return err
	}
	t, err := s.Tree(ctx, snap)
	if err != nil {
		return fmt.Errorf("restore %s: %w", snap, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("restore %s to %s: %w", snap, dir, err)
	}
	target, inPlace, err := prepareDest(abs)
	if err != nil {
		return fmt.Errorf("restore %s to %s: %w", snap, dir, err)
	}
	// where dir will be, symlinks resolved, names its stat cache
	cdir, cerr := canonicalDir(abs)
	if !inPlace {
		cdir, cerr = canonicalDir(filepath.Dir(abs))
		cdir = filepath.Join(cdir, filepath.Base(abs))
	}
	rs := &restorer{s: s, t: t, r: resolver{root: target}, opts: opts, cache: statCache{}}
	rs.fn = opts.Progress
	err = rs.run(ctx)
	// The stat cache is written while directories get their metadata: it
	// lets the next Snapshot of dir skip every file restored here. Left
	// behind by a restore that fails after all, it matches no file (a
	// file's ctime is its creation's).
	statDone := make(chan error, 1)
	if err == nil && cerr == nil {
		go func() { statDone <- s.saveStatCache(cdir, rs.cache) }()
	} else {
		statDone <- nil
	}
	if err == nil {
		err = rs.finishDirs(ctx)
	}
	if err == nil && !inPlace {
		// unix.Rename, not os.Rename: os refuses to replace a directory
		if err = unix.Rename(target, abs); err != nil {
			err = fmt.Errorf("rename into place: %w", err)
		}
	}
	serr := <-statDone
	if err != nil {
		cleanup(target, inPlace)
		return fmt.Errorf("restore %s to %s: %w", snap, dir, err)
	}
	if serr != nil {
		return fmt.Errorf("restore %s to %s: %w", snap, dir, serr)
	}
	return nil
}

// prepareDest checks dir and returns where to build the tree.
func prepareDest(dir string) (string, bool, error) {
	st, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		tmp := dir + ".tmp-" + randomName()
		if err := os.Mkdir(tmp, 0o700); err != nil {
			return "", false, err
		}
		return tmp, false, nil
	}
	if err != nil {
		return "", false, err
	}
	if !st.IsDir() {
		return "", false, fmt.Errorf("%s exists and is not a directory", dir)
	}
	f, err := os.Open(dir)
	if err != nil {
		return "", false, err
	}
	names, err := f.Readdirnames(1)
	f.Close()
	if err != nil && err != io.EOF {
		return "", false, err
	}
	if len(names) > 0 {
		return "", false, fmt.Errorf("%s is not empty", dir)
	}
	var ds, ps unix.Stat_t
	if err := unix.Stat(dir, &ds); err != nil {
		return "", false, err
	}
	if err := unix.Stat(filepath.Dir(dir), &ps); err != nil {
		return "", false, err
	}
	if ds.Dev != ps.Dev || dir == "/" {
		return dir, true, nil
	}
	tmp := dir + ".tmp-" + randomName()
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return "", false, err
	}
	return tmp, false, nil
}

func cleanup(target string, inPlace bool) {
	if !inPlace {
		os.RemoveAll(target)
		return
	}
	f, err := os.Open(target)
	if err != nil {
		return
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	for _, n := range names {
		os.RemoveAll(filepath.Join(target, n))
	}
}

type restorer struct {
	s    *Store
	t    *Tree
	r    resolver
	opts RestoreOptions

	progress

	mu    sync.Mutex // guards cache
	cache statCache
	// linked holds the paths that are hardlink targets: creating the
	// links changes their ctime.
	linked map[string]bool

	// owner is who owns a file this process creates: its euid and egid,
	// as no directory of the tree is setgid while it is being filled,
	// unless the target directory is (or its group is not egid); then
	// ownerKnown is false and every file is chowned.
	owner      struct{ uid, gid uint32 }
	ownerKnown bool

	bufs sync.Pool // *[]byte of copyBufSize, for streamed contents
}

func (rs *restorer) run(ctx context.Context) error {
	var st unix.Stat_t
	if err := unix.Stat(rs.r.root, &st); err != nil {
		return fmt.Errorf("stat %s: %w", rs.r.root, err)
	}
	rs.owner.uid, rs.owner.gid = uint32(os.Geteuid()), uint32(os.Getegid())
	// a setgid directory (or a grpid mount) hands its group down
	rs.ownerKnown = st.Mode&unix.S_ISGID == 0 && st.Gid == rs.owner.gid
	rs.bufs.New = func() any { b := make([]byte, copyBufSize); return &b }
	needs := map[sum][]*Entry{}
	var order []sum
	var hardlinks, plain []*Entry
	rs.linked = map[string]bool{}
	for i := range rs.t.Entries {
		e := &rs.t.Entries[i]
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		switch {
		case e.Path == "/":
			continue
		case e.Type == TypeHardlink:
			hardlinks = append(hardlinks, e)
			rs.linked[e.Hardlink] = true
			continue
		case e.Type == TypeFile && e.Digest != "":
			sm, _ := sumOf(e.Digest)
			if needs[sm] == nil {
				order = append(order, sm)
			}
			needs[sm] = append(needs[sm], e)
			continue
		case e.Type != TypeDir:
			plain = append(plain, e) // created beside the contents
			continue
		}
		if err := rs.create(e); err != nil {
			return err
		}
	}
	if err := rs.contents(ctx, needs, order, plain); err != nil {
		return err
	}
	for _, e := range hardlinks {
		if err := rs.link(e); err != nil {
			return err
		}
	}
	return rs.relinked()
}

// finishDirs gives the directories their metadata, deepest first, once
// nothing more is created in them.
func (rs *restorer) finishDirs(ctx context.Context) error {
	for i := len(rs.t.Entries) - 1; i >= 0; i-- {
		e := &rs.t.Entries[i]
		if e.Type != TypeDir {
			continue
		}
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := rs.finishPath(e); err != nil {
			return err
		}
	}
	rs.report(true)
	return nil
}

// create makes every entry without content right away.
func (rs *restorer) create(e *Entry) error {
	dirfd, name, release, err := rs.r.at(e.Path)
	if err != nil {
		return fmt.Errorf("create %s: %w", e.Path, err)
	}
	defer release()
	switch e.Type {
	case TypeDir:
		err = unix.Mkdirat(dirfd, name, 0o700)
	case TypeSymlink:
		err = unix.Symlinkat(e.Link, dirfd, name)
	case TypeChar:
		err = unix.Mknodat(dirfd, name, unix.S_IFCHR|0o600, int(e.Rdev))
	case TypeBlock:
		err = unix.Mknodat(dirfd, name, unix.S_IFBLK|0o600, int(e.Rdev))
	case TypeFifo:
		err = unix.Mknodat(dirfd, name, unix.S_IFIFO|0o600, 0)
	case TypeSocket:
		err = unix.Mknodat(dirfd, name, unix.S_IFSOCK|0o600, 0)
	case TypeFile:
		var fd int
		fd, err = unix.Openat(dirfd, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err == nil {
			f := fdFile{fd, e.Path}
			if e.Size > 0 {
				err = f.Truncate(e.Size)
			}
			if err == nil {
				err = rs.finishFd(f, e)
			}
			if err == nil {
				err = rs.remember(f, e, sum{}, false)
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			rs.files.Add(1)
		}
		if err != nil {
			return fmt.Errorf("create %s: %w", e.Path, err)
		}
		return nil
	default:
		return fmt.Errorf("create %s: unexpected type %s", e.Path, e.Type)
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", e.Path, err)
	}
	if e.Type == TypeDir {
		return nil // finished after its contents
	}
	rs.files.Add(1)
	return rs.finishAt(dirfd, name, e)
}

// finishFd applies metadata to a regular file this restore created: owner
// first (it clears setuid bits and capabilities), then xattrs, mode, and
// times last. The chown is skipped when the file was created with the
// right owner.
func (rs *restorer) finishFd(f fdFile, e *Entry) error {
	fd := f.fd
	if !rs.ownerKnown || e.UID != rs.owner.uid || e.GID != rs.owner.gid {
		if err := unix.Fchown(fd, int(e.UID), int(e.GID)); err != nil {
			return fmt.Errorf("chown: %w", err)
		}
	}
	for _, k := range sortedKeys(e.Xattrs) {
		if err := unix.Fsetxattr(fd, k, e.Xattrs[k], 0); err != nil {
			return fmt.Errorf("set xattr %s: %w", k, err)
		}
	}
	if err := unix.Fchmod(fd, fileMode(e)); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	if err := futimens(fd, mtimeSpec(e.MtimeNs)); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

func sortedKeys(m map[string][]byte) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// finishAt applies metadata to a non-regular entry by name, never
// following a symlink.
func (rs *restorer) finishAt(dirfd int, name string, e *Entry) error {
	if err := unix.Fchownat(dirfd, name, int(e.UID), int(e.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown %s: %w", e.Path, err)
	}
	p := procPath(dirfd, name)
	for _, k := range sortedKeys(e.Xattrs) {
		if err := unix.Lsetxattr(p, k, e.Xattrs[k], 0); err != nil {
			return fmt.Errorf("set xattr %s on %s: %w", k, e.Path, err)
		}
	}
	if e.Type != TypeSymlink {
		if err := unix.Fchmodat(dirfd, name, fileMode(e), 0); err != nil {
			return fmt.Errorf("chmod %s: %w", e.Path, err)
		}
	}
	ts := mtimeSpec(e.MtimeNs)
	if err := unix.UtimesNanoAt(dirfd, name, ts[:], unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times of %s: %w", e.Path, err)
	}
	return nil
}

func (rs *restorer) finishPath(e *Entry) error {
	dirfd, name, release, err := rs.r.at(e.Path)
	if err != nil {
		return fmt.Errorf("finish %s: %w", e.Path, err)
	}
	defer release()
	if e.Path == "/" && dirfd != unix.AT_FDCWD {
		dirfd, name = unix.AT_FDCWD, rs.r.root
	}
	return rs.finishAt(dirfd, name, e)
}

func (rs *restorer) link(e *Entry) error {
	ofd, oname, orel, err := rs.r.at(e.Hardlink)
	if err != nil {
		return fmt.Errorf("link %s: %w", e.Path, err)
	}
	defer orel()
	nfd, nname, nrel, err := rs.r.at(e.Path)
	if err != nil {
		return fmt.Errorf("link %s: %w", e.Path, err)
	}
	defer nrel()
	if err := unix.Linkat(ofd, oname, nfd, nname, 0); err != nil {
		return fmt.Errorf("link %s to %s: %w", e.Path, e.Hardlink, err)
	}
	rs.files.Add(1)
	return nil
}

// contents writes every regular file with content, in parallel: one task
// per pack (streamed once, in order) and one per large blob; and creates
// the entries without content (plain) in tasks of their own.
func (rs *restorer) contents(ctx context.Context, needs map[sum][]*Entry, order []sum, plain []*Entry) error {
	packs := map[*pack]bool{}
	var packOrder []*pack
	var large []sum
	for _, sm := range order {
		if l, ok := rs.s.idx.lookup(sm); ok {
			if !packs[l.pack] {
				packs[l.pack] = true
				packOrder = append(packOrder, l.pack)
			}
			continue
		}
		large = append(large, sm)
	}
	// largest first, so that no long task runs alone at the end
	slices.SortStableFunc(large, func(a, b sum) int {
		return cmp.Compare(needs[b][0].StoredSize(), needs[a][0].StoredSize())
	})
	var tasks []func(context.Context) error
	for chunk := range slices.Chunk(plain, 512) {
		tasks = append(tasks, func(ctx context.Context) error {
			for _, e := range chunk {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := rs.create(e); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for _, sm := range large {
		for _, e := range needs[sm] {
			tasks = append(tasks, func(ctx context.Context) error { return rs.fromBlob(ctx, sm, e) })
		}
	}
	for _, p := range packOrder {
		tasks = append(tasks, func(ctx context.Context) error { return rs.fromPack(ctx, p, needs) })
	}
	// a fixed set of workers takes the tasks in order: no goroutine and
	// no hand-off per task
	var next atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for range min(max(rs.s.Workers, 1), len(tasks)) {
		g.Go(func() error {
			for i := next.Add(1) - 1; i < int64(len(tasks)); i = next.Add(1) - 1 {
				if err := tasks[i](gctx); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

func (rs *restorer) fromPack(ctx context.Context, p *pack, needs map[sum][]*Entry) error {
	last := -1
	for i, b := range p.blobs {
		if needs[b.sum] != nil {
			last = i
		}
	}
	if last < 0 {
		return nil
	}
	path := rs.s.packPath(p.name)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open pack %s: %w", p.name, err)
	}
	defer f.Close()
	dec := rs.s.decoders.Get().(*zstd.Decoder)
	defer func() { dec.Reset(nil); rs.s.decoders.Put(dec) }()
	corrupt := func(i int, err error) error {
		// name the blob being read, or the next one we wanted from it
		for j := i; j <= last; j++ {
			if es := needs[p.blobs[j].sum]; es != nil {
				return &CorruptError{Blob: digestOf(p.blobs[j].sum), Path: es[0].Path, Err: fmt.Errorf("pack %s: %w", p.name, err)}
			}
		}
		return err
	}
	if err := dec.Reset(bufio.NewReaderSize(io.NewSectionReader(f, 0, p.dataLen), 256<<10)); err != nil {
		return corrupt(0, err)
	}
	var buf []byte
	for i := 0; i <= last; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := p.blobs[i]
		es := needs[b.sum]
		if es == nil {
			if _, err := io.CopyN(io.Discard, dec, b.length); err != nil {
				return corrupt(i, err)
			}
			continue
		}
		if int64(cap(buf)) < b.length {
			buf = make([]byte, b.length)
		}
		buf = buf[:b.length]
		if _, err := io.ReadFull(dec, buf); err != nil {
			return corrupt(i, err)
		}
		if sha256.Sum256(buf) != b.sum {
			return corrupt(i, errors.New("content does not match its digest"))
		}
		for _, e := range es {
			if err := rs.writeFile(e, &memReader{buf}, b.sum); err != nil {
				return err
			}
		}
	}
	return nil
}

func (rs *restorer) fromBlob(ctx context.Context, sm sum, e *Entry) error {
	d := digestOf(sm)
	f, err := os.Open(rs.s.blobPath(d))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("restore %s: blob %s: %w", e.Path, d, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("restore %s: %w", e.Path, err)
	}
	defer f.Close()
	dec := rs.s.decoders.Get().(*zstd.Decoder)
	defer func() { dec.Reset(nil); rs.s.decoders.Put(dec) }()
	if err := dec.Reset(bufio.NewReaderSize(f, 256<<10)); err != nil {
		return &CorruptError{Blob: d, Path: e.Path, Err: err}
	}
	vr := &verifyReader{r: &ctxReader{ctx, dec}, want: d, size: e.StoredSize(), h: sha256.New(), path: e.Path}
	return rs.writeFile(e, vr, sm)
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// writeFile creates e and fills it from r (its stored content), sparse
// files region by region, then applies its metadata.
func (rs *restorer) writeFile(e *Entry, r io.Reader, sm sum) error {
	dirfd, name, release, err := rs.r.at(e.Path)
	if err != nil {
		return fmt.Errorf("create %s: %w", e.Path, err)
	}
	defer release()
	fd, err := unix.Openat(dirfd, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", e.Path, err)
	}
	f := fdFile{fd, e.Path}
	err = rs.writeContent(f, e, r)
	if err == nil {
		err = rs.finishFd(f, e)
	}
	if err == nil {
		err = rs.remember(f, e, sm, true)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if err != nil {
		var ce *CorruptError
		if errors.As(err, &ce) {
			return err
		}
		return fmt.Errorf("write %s: %w", e.Path, err)
	}
	rs.files.Add(1)
	rs.bytes.Add(e.StoredSize())
	rs.report(false)
	return nil
}

// remember records a restored file in the stat cache the restore leaves
// for dir, so the next Snapshot of dir does not read it again.
func (rs *restorer) remember(f fdFile, e *Entry, sm sum, hasSum bool) error {
	var st unix.Stat_t
	if err := unix.Fstat(f.fd, &st); err != nil {
		return err
	}
	rec := statRec{Ino: st.Ino, Size: st.Size, MtimeNs: st.Mtim.Nano(), CtimeNs: st.Ctim.Nano(), Sum: sm, HasSum: hasSum, Sparse: e.Sparse, Xattrs: e.Xattrs}
	rs.mu.Lock()
	rs.cache[e.Path] = rec
	rs.mu.Unlock()
	return nil
}

// relinked updates the stat cache of hard link targets, whose ctime
// moved when their links were made.
func (rs *restorer) relinked() error {
	for p := range rs.linked {
		rec, ok := rs.cache[p]
		if !ok {
			continue
		}
		dirfd, name, release, err := rs.r.at(p)
		if err != nil {
			return err
		}
		var st unix.Stat_t
		err = unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
		release()
		if err != nil {
			return fmt.Errorf("stat %s: %w", p, err)
		}
		rec.CtimeNs = st.Ctim.Nano()
		rs.cache[p] = rec
	}
	return nil
}

// memReader is content already in memory (and verified): written in one
// call.
type memReader struct{ b []byte }

func (m *memReader) Read(p []byte) (int, error) {
	if len(m.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, m.b)
	m.b = m.b[n:]
	return n, nil
}

// copyBufSize: large writes, few syscalls.
const copyBufSize = 1 << 20

func (rs *restorer) writeContent(f fdFile, e *Entry, r io.Reader) error {
	if e.Sparse == nil {
		var n int64
		var err error
		if mr, ok := r.(*memReader); ok {
			var m int
			m, err = f.Write(mr.b)
			n = int64(m)
		} else {
			buf := rs.bufs.Get().(*[]byte)
			n, err = io.CopyBuffer(f, r, *buf)
			rs.bufs.Put(buf)
		}
		if err != nil {
			return err
		}
		if n != e.Size {
			return fmt.Errorf("wrote %d of %d bytes", n, e.Size)
		}
		return nil
	}
	for _, g := range e.Sparse {
		if _, err := f.Seek(g.Offset, io.SeekStart); err != nil {
			return err
		}
		if _, err := io.CopyN(f, r, g.Length); err != nil {
			return err
		}
	}
	// reach EOF so a verifying reader checks the digest
	if n, err := io.Copy(io.Discard, r); err != nil {
		return err
	} else if n != 0 {
		return fmt.Errorf("%d bytes beyond the data regions", n)
	}
	return f.Truncate(e.Size)
}
