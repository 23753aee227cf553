package sources

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sync/errgroup"

	"github.com/xlapp/xbuild/internal/apt"
	"github.com/xlapp/xbuild/manifests"
)

// Reporter receives the progress of a Fetch. Its methods are called from
// several goroutines at once. Sources already in the store are not reported.
type Reporter interface {
	// Start is called once for each source that must be fetched.
	Start(file string, size int64)
	// Progress reports the bytes of file written so far, resumed bytes
	// included: once when a download starts (0, or where it resumes), then
	// about every 256 KiB. It goes back to 0 when another candidate is tried.
	Progress(file string, done int64)
	// Done is called once after Start, with the URL or path that provided
	// the file, or with the error that ended the fetch.
	Done(file string, err error, from string)
}

// Options says where Fetch looks for sources.
type Options struct {
	// Mirrors are directories or http(s) URLs tried first, in order, each
	// by file name and then by sha256 (M/<file>, M/sha256/<hex>, M/<hex>).
	// A source store's root works as a mirror directory.
	Mirrors []string
	// Jobs is the number of parallel downloads (default 4).
	Jobs int
	// Debian enables the fallback to Debian's archive for sources with a
	// debian: entry.
	Debian bool
	// AptRoot is where the apt configuration naming the Debian archive is
	// read ("" = "/"); see internal/apt.
	AptRoot string
	// Reporter receives progress; nil means silent.
	Reporter Reporter
	// LocalFS is the manifest directory, for sources with Local set.
	LocalFS fs.FS
	// HTTPClient is used for http(s) URLs; nil means a default client.
	HTTPClient *http.Client
}

// stallTimeout ends a download that received no byte for that long; the
// next candidate is then tried and the partial file is kept for a resume.
const stallTimeout = 2 * time.Minute

var errStalled = errors.New("no data received for " + stallTimeout.String())

// Fetch makes every source in srcs present in the store. Sources already
// there are skipped without any network access; the others are fetched in
// parallel, each from the first candidate that provides the pinned bytes:
// the manifest's local copy, the mirrors, the source's URLs, then Debian's
// archive. A download that broke off is resumed from partial/ with a Range
// request; a file with the wrong content moves to quarantine/.
//
// Fetch returns nil when every source is present, an error wrapping
// ctx.Err() when ctx is done, and otherwise the errors.Join of one
// *FetchError per missing source, listing the attempts.
func (s *Store) Fetch(ctx context.Context, srcs []manifests.Source, opts Options) error {
	var todo []manifests.Source
	seen := map[digest.Digest]manifests.Source{}
	for _, src := range srcs {
		if err := checkSource(src); err != nil {
			return fmt.Errorf("fetch sources: %w", err)
		}
		if prev, ok := seen[src.SHA256]; ok {
			if prev.Size != src.Size {
				return fmt.Errorf("fetch sources: %s and %s have the same sha256 but sizes %d and %d",
					prev.File, src.File, prev.Size, src.Size)
			}
			continue
		}
		seen[src.SHA256] = src
		todo = append(todo, src)
	}

	f := &fetcher{store: s, opts: opts, rep: opts.Reporter, client: opts.HTTPClient}
	if f.rep == nil {
		f.rep = nopReporter{}
	}
	if f.client == nil {
		f.client = defaultClient()
	}
	f.debianBase = sync.OnceValues(func() (string, error) { return apt.ArchiveURL(opts.AptRoot) })

	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = 4
	}
	var g errgroup.Group
	g.SetLimit(jobs)
	errs := make([]error, len(todo))
	for i, src := range todo {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			errs[i] = f.fetch(ctx, src)
			return nil
		})
	}
	_ = g.Wait() // the workers report through errs
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("fetch sources: %w", err)
	}
	return errors.Join(errs...)
}

type fetcher struct {
	store      *Store
	opts       Options
	rep        Reporter
	client     *http.Client
	debianBase func() (string, error)
}

type candKind int

const (
	kindHTTP candKind = iota
	kindFile          // a path on this machine
	kindFS            // a path in Options.LocalFS
	kindBad           // a URL this package cannot fetch
)

type candidate struct {
	kind candKind
	loc  string // URL, host path, or path in LocalFS
	from string // for messages and Reporter.Done
}

// group is candidates whose "not found" answers are reported as one: the
// names a mirror is asked for.
type group struct {
	label string
	cands []candidate
	err   error // set when the group could not even be formed
}

func (f *fetcher) fetch(ctx context.Context, src manifests.Source) error {
	s := f.store
	if ok, err := s.present(src); err != nil || ok {
		return err
	}
	unlock, err := lockFile(ctx, s.partialPath(src.SHA256)+".lock")
	if err != nil {
		return fmt.Errorf("fetch %s: %w", src.File, err)
	}
	defer unlock()
	// Another process may have fetched it while we waited for the lock.
	if ok, err := s.present(src); err != nil || ok {
		return err
	}

	f.rep.Start(src.File, src.Size)
	if ok, err := f.finishPartial(ctx, src); err != nil || ok {
		if err == nil {
			f.rep.Done(src.File, nil, s.partialPath(src.SHA256))
		} else {
			f.rep.Done(src.File, err, "")
		}
		return err
	}
	var attempts []Attempt
	for _, g := range f.groups(src) {
		if g.err != nil {
			attempts = append(attempts, Attempt{From: g.label, Err: g.err})
			continue
		}
		var tried []Attempt
		for _, c := range g.cands {
			err := f.try(ctx, src, c)
			if err == nil {
				f.rep.Done(src.File, nil, c.from)
				return nil
			}
			if ctx.Err() != nil {
				f.rep.Done(src.File, ctx.Err(), "")
				return fmt.Errorf("fetch %s: %w", src.File, ctx.Err())
			}
			tried = append(tried, Attempt{From: c.from, Err: err})
		}
		if len(tried) > 1 && allNotFound(tried) {
			tried = []Attempt{{From: g.label, Err: fmt.Errorf("%w by name or sha256", errNotFound)}}
		}
		attempts = append(attempts, tried...)
	}
	err = &FetchError{File: src.File, Attempts: attempts}
	f.rep.Done(src.File, err, "")
	return err
}

func allNotFound(as []Attempt) bool {
	for _, a := range as {
		if !errors.Is(a.Err, errNotFound) {
			return false
		}
	}
	return true
}

// groups lists where src is looked for, in order.
func (f *fetcher) groups(src manifests.Source) []group {
	var gs []group
	if src.Local != "" {
		c := candidate{kind: kindFS, loc: src.Local, from: "manifest:" + src.Local}
		gs = append(gs, group{label: c.from, cands: []candidate{c}})
	}
	hex := src.SHA256.Encoded()
	for _, m := range f.opts.Mirrors {
		base := strings.TrimRight(m, "/")
		g := group{label: base}
		for _, name := range []string{src.File, "sha256/" + hex, hex} {
			if isURL(base) {
				g.cands = append(g.cands, newCandidate(base+"/"+escapePath(name)))
			} else {
				g.cands = append(g.cands, newCandidate(filepath.Join(base, name)))
			}
		}
		gs = append(gs, g)
	}
	for _, u := range src.URLs {
		c := newCandidate(u)
		gs = append(gs, group{label: c.from, cands: []candidate{c}})
	}
	if f.opts.Debian && src.Debian != nil {
		base, err := f.debianBase()
		if err != nil {
			gs = append(gs, group{label: "debian", err: err})
		} else {
			c := newCandidate(DebianURL(base, *src.Debian))
			gs = append(gs, group{label: c.from, cands: []candidate{c}})
		}
	}
	return gs
}

// DebianURL returns the address of a file in the pool of the Debian archive
// at base: base/pool/main/<prefix>/<package>/<file>, where prefix is the
// package's first letter, or its first four for packages starting with
// "lib".
func DebianURL(base string, d manifests.Debian) string {
	prefix := d.Package
	if strings.HasPrefix(prefix, "lib") && len(prefix) > 4 {
		prefix = prefix[:4]
	} else if len(prefix) > 1 {
		prefix = prefix[:1]
	}
	return strings.TrimRight(base, "/") + "/pool/main/" + prefix + "/" +
		escapePath(d.Package) + "/" + escapePath(d.File)
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

func isURL(s string) bool { return strings.Contains(s, "://") }

func newCandidate(loc string) candidate {
	switch {
	case strings.HasPrefix(loc, "http://"), strings.HasPrefix(loc, "https://"):
		return candidate{kind: kindHTTP, loc: loc, from: loc}
	case strings.HasPrefix(loc, "file://"):
		u, err := url.Parse(loc)
		if err != nil {
			return candidate{kind: kindBad, loc: loc, from: loc}
		}
		return candidate{kind: kindFile, loc: u.Path, from: loc}
	case isURL(loc):
		return candidate{kind: kindBad, loc: loc, from: loc}
	default:
		return candidate{kind: kindFile, loc: loc, from: loc}
	}
}

// finishPartial handles a partial file that already has the full size, left
// by a crash between the last write and the rename: it is committed when it
// matches and removed when not.
func (f *fetcher) finishPartial(ctx context.Context, src manifests.Source) (bool, error) {
	pp := f.store.partialPath(src.SHA256)
	fi, err := os.Stat(pp)
	if err != nil || fi.Size() < src.Size || fi.Size() == 0 {
		return false, nil
	}
	if !src.SizeKnown() || fi.Size() == src.Size {
		got, err := hashFile(ctx, pp)
		if err != nil {
			return false, fmt.Errorf("fetch %s: %w", src.File, err)
		}
		if got == src.SHA256 {
			if err := f.store.commit(src.SHA256); err != nil {
				return false, fmt.Errorf("fetch %s: %w", src.File, err)
			}
			return true, nil
		}
		if !src.SizeKnown() {
			return false, nil // maybe just short: the download resumes it
		}
	}
	if err := os.Remove(pp); err != nil {
		return false, fmt.Errorf("fetch %s: %w", src.File, err)
	}
	return false, nil
}

func hashFile(ctx context.Context, path string) (digest.Digest, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, fh}); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return digest.NewDigest(digest.SHA256, h), nil
}

// try fetches src from one candidate. A resumed download whose result does
// not match is retried once from the start: the bytes kept from an earlier
// attempt may be the wrong ones.
func (f *fetcher) try(ctx context.Context, src manifests.Source, c candidate) error {
	resume := c.kind == kindHTTP
	for {
		resumed, err := f.download(ctx, src, c, resume)
		var hm *HashMismatchError
		if resumed && errors.As(err, &hm) {
			resume = false
			continue
		}
		return err
	}
}

// download writes the candidate's bytes into partial/<hex>, hashing them on
// the way, and commits the file when size and sha256 match. It reports
// whether it resumed an earlier partial download.
func (f *fetcher) download(ctx context.Context, src manifests.Source, c candidate, resume bool) (resumed bool, err error) {
	pp := f.store.partialPath(src.SHA256)
	var offset int64
	if resume {
		if fi, err := os.Stat(pp); err == nil && fi.Size() > 0 && (!src.SizeKnown() || fi.Size() < src.Size) {
			offset = fi.Size()
		}
	}

	dctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := time.AfterFunc(stallTimeout, func() { cancel(errStalled) })
	defer stall.Stop()

	body, start, err := f.open(dctx, src, c, offset)
	if err != nil {
		return false, err
	}
	defer body.Close()
	resumed = start > 0

	out, err := os.OpenFile(pp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return false, err
	}
	defer func() {
		if out != nil {
			out.Close()
		}
	}()
	h := sha256.New()
	if resumed {
		if _, err := io.CopyN(h, out, start); err != nil {
			return resumed, fmt.Errorf("read partial %s: %w", pp, err)
		}
	} else {
		if err := out.Truncate(0); err != nil {
			return false, err
		}
		if _, err := out.Seek(0, io.SeekStart); err != nil {
			return false, err
		}
	}
	f.rep.Progress(src.File, start)
	pw := &progressWriter{rep: f.rep, file: src.File, done: start, reported: start, stall: stall}
	limit, what := src.Size, "the pinned"
	if !src.SizeKnown() {
		limit, what = maxUnsizedSource, "the limit of"
	}
	n, err := io.Copy(io.MultiWriter(out, h, pw), io.LimitReader(body, limit-start+1))
	total := start + n
	if err != nil {
		if context.Cause(dctx) == errStalled {
			err = errStalled
		}
		return resumed, fmt.Errorf("transfer broke off after %d of %s bytes: %w", total, sizeText(src), err)
	}
	if total > limit {
		out.Close()
		out = nil
		q, err := f.store.quarantine(pp, src.File, "")
		if err != nil {
			return resumed, err
		}
		return resumed, fmt.Errorf("got more than %s %d bytes (moved to %s)", what, limit, q)
	}
	if src.SizeKnown() && total < src.Size {
		return resumed, fmt.Errorf("transfer ended after %d of %d bytes", total, src.Size)
	}
	err = out.Sync()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	out = nil
	if err != nil {
		return resumed, fmt.Errorf("write %s: %w", pp, err)
	}
	got := digest.NewDigest(digest.SHA256, h)
	if got != src.SHA256 {
		q, err := f.store.quarantine(pp, src.File, got.Encoded())
		if err != nil {
			return resumed, err
		}
		return resumed, &HashMismatchError{File: src.File, URL: c.from, Want: src.SHA256, Got: got, Quarantined: q}
	}
	return resumed, f.store.commit(src.SHA256)
}

// open returns the candidate's bytes from offset on (or from 0 when it
// cannot resume, which the returned start says), after checking the
// announced size against the pin.
func (f *fetcher) open(ctx context.Context, src manifests.Source, c candidate, offset int64) (io.ReadCloser, int64, error) {
	switch c.kind {
	case kindFS:
		if f.opts.LocalFS == nil {
			return nil, 0, errors.New("no manifest directory given for local sources")
		}
		fh, err := f.opts.LocalFS.Open(c.loc)
		if err != nil {
			return nil, 0, notFound(err)
		}
		return checkFileSize(ctx, fh, src)
	case kindFile:
		fh, err := os.Open(c.loc)
		if err != nil {
			return nil, 0, notFound(err)
		}
		return checkFileSize(ctx, fh, src)
	case kindHTTP:
		return f.openHTTP(ctx, src, c, offset)
	default:
		return nil, 0, errors.New("unsupported URL scheme")
	}
}

func notFound(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return errNotFound
	}
	return err
}

func checkFileSize(ctx context.Context, fh fs.File, src manifests.Source) (io.ReadCloser, int64, error) {
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		fh.Close()
		return nil, 0, errors.New("not a regular file")
	}
	if src.SizeKnown() && fi.Size() != src.Size {
		fh.Close()
		return nil, 0, fmt.Errorf("size mismatch: has %d bytes, want %d", fi.Size(), src.Size)
	}
	return readCloser{ctxReader{ctx, fh}, fh}, 0, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

func (f *fetcher) openHTTP(ctx context.Context, src manifests.Source, c candidate, offset int64) (io.ReadCloser, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.loc, nil)
	if err != nil {
		return nil, 0, err
	}
	// Ask for the bytes as stored: a transparently decompressed .tar.gz
	// would not match its pin.
	req.Header.Set("Accept-Encoding", "identity")
	req.Header.Set("User-Agent", "xbuild")
	if offset > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	resp, err := f.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, 0, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		if src.SizeKnown() && resp.ContentLength >= 0 && resp.ContentLength != src.Size {
			resp.Body.Close()
			return nil, 0, fmt.Errorf("size mismatch: server announces %d bytes, want %d", resp.ContentLength, src.Size)
		}
		return resp.Body, 0, nil
	case http.StatusPartialContent:
		first, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || offset == 0 || first != offset {
			resp.Body.Close()
			return f.openHTTP(ctx, src, c, 0)
		}
		if !src.SizeKnown() {
			return resp.Body, offset, nil
		}
		if total >= 0 && total != src.Size {
			resp.Body.Close()
			return nil, 0, fmt.Errorf("size mismatch: server announces %d bytes, want %d", total, src.Size)
		}
		if resp.ContentLength >= 0 && resp.ContentLength != src.Size-offset {
			resp.Body.Close()
			return nil, 0, fmt.Errorf("size mismatch: server announces %d bytes from offset %d, want %d",
				resp.ContentLength, offset, src.Size-offset)
		}
		return resp.Body, offset, nil
	case http.StatusRequestedRangeNotSatisfiable:
		resp.Body.Close()
		if offset > 0 {
			return f.openHTTP(ctx, src, c, 0)
		}
	case http.StatusNotFound, http.StatusGone:
		resp.Body.Close()
		return nil, 0, fmt.Errorf("%w (HTTP %s)", errNotFound, resp.Status)
	}
	resp.Body.Close()
	return nil, 0, fmt.Errorf("HTTP %s", resp.Status)
}

// maxUnsizedSource bounds a download whose pin gives no size: the largest
// release tarball XLAPP pins (linux) is about 150 MB.
const maxUnsizedSource = 4 << 30

// sizeText is the pinned size for messages, or "?" when the pin has none.
func sizeText(src manifests.Source) string {
	if !src.SizeKnown() {
		return "?"
	}
	return strconv.FormatInt(src.Size, 10)
}

// parseContentRange parses "bytes FIRST-LAST/TOTAL"; total is -1 for "*".
func parseContentRange(s string) (first, total int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	firstS, _, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, false
	}
	first, err := strconv.ParseInt(firstS, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	if tot == "*" {
		return first, -1, true
	}
	total, err = strconv.ParseInt(tot, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return first, total, true
}

func defaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = time.Minute
	return &http.Client{Transport: t}
}

// progressWriter reports progress about every 256 KiB and keeps the stall
// timer from firing while bytes arrive.
type progressWriter struct {
	rep      Reporter
	file     string
	done     int64
	reported int64
	stall    *time.Timer
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	p.stall.Reset(stallTimeout)
	if p.done-p.reported >= 256<<10 {
		p.reported = p.done
		p.rep.Progress(p.file, p.done)
	}
	return len(b), nil
}

type nopReporter struct{}

func (nopReporter) Start(string, int64)        {}
func (nopReporter) Progress(string, int64)     {}
func (nopReporter) Done(string, error, string) {}
