package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	"github.com/spf13/pflag"
	"github.com/xlapp/xbuild/cache"
	"github.com/xlapp/xbuild/manifests"
	"github.com/xlapp/xbuild/sandbox/runc"
	"github.com/xlapp/xbuild/sources"
	"github.com/xlapp/xbuild/stages"
	"golang.org/x/term"
)

// globals are the flags every command takes, and what they open.
type globals struct {
	manifest string
	store    string
	lfs      string
	mirrors  []string
	jobs     int
	json     bool
	quiet    bool
	verbose  bool
	until    string // stage --until
	compress string // --compression: the zstd level of new blobs
	verifyW  bool   // --verify-writes

	fs             *pflag.FlagSet
	stdin          io.Reader
	stdout, stderr io.Writer
	mu             sync.Mutex // serialises progress output
	cacheStore     *cache.Store
	sourceStore    *sources.Store
}

func (g *globals) register(fs *pflag.FlagSet) {
	def := os.Getenv("XBUILD_STORE")
	if def == "" {
		def = "/var/lib/xbuild"
	}
	fs.StringVar(&g.manifest, "manifest", "xlapp", "manifest: an embedded name ("+strings.Join(manifests.Embedded(), ", ")+") or a directory")
	fs.StringVar(&g.store, "store", def, "store directory: snapshots, sources, logs (env XBUILD_STORE)")
	fs.StringVar(&g.lfs, "lfs", "/mnt/lfs", "the LFS tree that stages build into")
	fs.StringArrayVar(&g.mirrors, "mirror", nil, "source mirror, a directory or URL (repeatable)")
	fs.IntVarP(&g.jobs, "jobs", "j", runtime.NumCPU(), "make -jN for packages whose build is parallel-safe")
	fs.BoolVar(&g.json, "json", false, "machine-readable output")
	fs.BoolVarP(&g.quiet, "quiet", "q", false, "print only errors and results")
	fs.BoolVarP(&g.verbose, "verbose", "v", false, "also show every package's build output (it is always in its log)")
	level := os.Getenv("XBUILD_COMPRESSION")
	if level == "" {
		level = "fastest"
	}
	fs.BoolVar(&g.verifyW, "verify-writes", os.Getenv("XBUILD_VERIFY_WRITES") == "1", "decompress and compare every new snapshot frame before storing it (about 16% slower full snapshots; env XBUILD_VERIFY_WRITES=1)")
	fs.StringVar(&g.compress, "compression", level, "zstd level of new snapshot data: fastest, default or better; smaller costs CPU (env XBUILD_COMPRESSION)")
}

// compressionLevels are the --compression names. Snapshot digests do not
// depend on the level: stores written at different levels share blobs.
var compressionLevels = map[string]zstd.EncoderLevel{
	"fastest": zstd.SpeedFastest,
	"default": zstd.SpeedDefault,
	"better":  zstd.SpeedBetterCompression,
}

func (g *globals) finish() error {
	if g.jobs < 1 {
		return usagef("-j %d: want 1 or more", g.jobs)
	}
	if _, ok := compressionLevels[g.compress]; !ok {
		return usagef("--compression %q: want fastest, default or better", g.compress)
	}
	abs, err := filepath.Abs(g.store)
	if err != nil {
		return err
	}
	g.store = abs
	if g.lfs, err = filepath.Abs(g.lfs); err != nil {
		return err
	}
	return nil
}

func (g *globals) changed(name string) bool { return g.fs != nil && g.fs.Changed(name) }

func (g *globals) loadManifest() (*manifests.Manifest, error) {
	return manifests.Open(g.manifest)
}

func (g *globals) cache() (*cache.Store, error) {
	if g.cacheStore == nil {
		s, err := cache.Open(filepath.Join(g.store, "cache"))
		if err != nil {
			return nil, fmt.Errorf("open store %s: %w", g.store, err)
		}
		s.Level = compressionLevels[g.compress]
		s.VerifyWrites = g.verifyW
		g.cacheStore = s
	}
	return g.cacheStore, nil
}

func (g *globals) sources() (*sources.Store, error) {
	if g.sourceStore == nil {
		s, err := sources.Open(filepath.Join(g.store, "sources"))
		if err != nil {
			return nil, fmt.Errorf("open source store in %s: %w", g.store, err)
		}
		g.sourceStore = s
	}
	return g.sourceStore, nil
}

// requireRoot fails early, in one line, where the sandbox is needed.
func requireRoot() error {
	return runc.Preflight()
}

// engine opens everything a build needs.
func (g *globals) engine(m *manifests.Manifest, needSandbox bool) (*stages.Engine, error) {
	cs, err := g.cache()
	if err != nil {
		return nil, err
	}
	ss, err := g.sources()
	if err != nil {
		return nil, err
	}
	e := &stages.Engine{M: m, Store: cs, Sources: ss, StoreDir: g.store, LFS: g.lfs, Jobs: g.jobs, Reporter: g.reporter()}
	if g.verbose && !g.json {
		e.Echo = g.stderr
	}
	if needSandbox {
		if err := requireRoot(); err != nil {
			return nil, err
		}
		r, err := runc.New(filepath.Join(g.store, "run"))
		if err != nil {
			return nil, fmt.Errorf("start sandbox: %w", err)
		}
		e.Runner = r
		// Containers of an xbuild that was killed may still be around; the
		// engine ends them once it holds the store's build lock, so that a
		// running build's containers are never touched.
		e.Prune = func(ctx context.Context) error {
			_, err := r.Prune(ctx)
			return err
		}
	}
	return e, nil
}

// fetchAll makes the sources present before a build starts.
func (g *globals) fetch(ctx context.Context, m *manifests.Manifest, srcs []manifests.Source) error {
	ss, err := g.sources()
	if err != nil {
		return err
	}
	mirrors := append(append([]string{}, g.mirrors...), m.Mirrors...)
	return ss.Fetch(ctx, srcs, sources.Options{Mirrors: mirrors, Jobs: 4, Debian: true, LocalFS: m.FS, Reporter: g.fetchReporter()})
}

// stageSources lists the sources of the stage and its ancestors.
func stageSources(m *manifests.Manifest, name string) []manifests.Source {
	var out []manifests.Source
	for _, st := range m.Ancestors(name) {
		out = append(out, m.StageSources(st.Name)...)
	}
	return out
}

func (g *globals) printf(format string, args ...any) {
	if g.quiet || g.json {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	fmt.Fprintf(g.stderr, format, args...)
}

func (g *globals) emitJSON(v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func short(d digest.Digest) string {
	if len(d.Encoded()) < 12 {
		return d.String()
	}
	return d.Algorithm().String() + ":" + d.Encoded()[:12]
}

func dur(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// reporter renders engine events: plain lines (good in CI logs and on a
// terminal alike), or JSON lines on stderr with --json.
func (g *globals) reporter() stages.Reporter {
	return stages.ReporterFunc(func(e stages.Event) {
		if g.json {
			g.mu.Lock()
			defer g.mu.Unlock()
			b, _ := json.Marshal(e)
			fmt.Fprintln(g.stderr, string(b))
			return
		}
		pos := ""
		if e.Total > 0 {
			pos = fmt.Sprintf(" %d/%d", e.Index, e.Total)
		}
		switch e.Kind {
		case stages.StageCached:
			g.printf("[%s] cached: %s\n", e.Stage, short(e.Snapshot))
			if e.Msg != "" {
				g.mu.Lock()
				fmt.Fprintln(g.stderr, e.Msg)
				g.mu.Unlock()
			}
		case stages.StageStart:
			why := ""
			if e.Msg != "" {
				why = " (" + e.Msg + ")"
			}
			g.printf("[%s] building %d packages%s\n", e.Stage, e.Total, why)
		case stages.Restoring:
			g.printf("restoring %s into %s\n", short(e.Snapshot), e.Msg)
		case stages.PackageCached:
			g.printf("[%s%s] %s: cached\n", e.Stage, pos, e.Package)
		case stages.PackageStart:
			g.printf("[%s%s] %s: building (log %s)\n", e.Stage, pos, e.Package, e.Log)
		case stages.PackageAlive:
			g.printf("[%s%s] %s: still building, %s: %s\n", e.Stage, pos, e.Package, dur(e.Elapsed), e.LastLine)
		case stages.PackageDone:
			g.printf("[%s%s] %s: done in %s\n", e.Stage, pos, e.Package, dur(e.Elapsed))
		case stages.PackageFailed:
			g.printf("[%s%s] %s: FAILED after %s\n", e.Stage, pos, e.Package, dur(e.Elapsed))
		case stages.StageDone:
			if e.Msg != "" {
				g.mu.Lock()
				fmt.Fprintln(g.stderr, e.Msg)
				g.mu.Unlock()
			}
			g.printf("[%s] snapshot %s\n", e.Stage, e.Snapshot)
		case stages.Timings:
			g.printf("%s", timingTable(e.Stage, e.Table))
		}
	})
}

func timingTable(stage string, t []stages.Timing) string {
	var b strings.Builder
	fmt.Fprintf(&b, "timings of stage %s:\n  %-28s %10s %8s\n", stage, "package", "seconds", "SBU")
	total, unknown := 0.0, false
	for _, r := range t {
		note := ""
		if r.Cached {
			note = " (cached)"
		}
		// A cached package built before times were kept has no time; an
		// SBU needs the unit package's time.
		secs, sbu := fmt.Sprintf("%.1f", r.Seconds), fmt.Sprintf("%.2f", r.SBU)
		if r.Seconds == 0 && r.Cached {
			secs, unknown = "?", true
		}
		if r.SBU == 0 && r.Seconds > 0 {
			sbu = "-"
		}
		fmt.Fprintf(&b, "  %-28s %10s %8s%s\n", r.Package, secs, sbu, note)
		total += r.Seconds
	}
	more := ""
	if unknown {
		more = " (+ packages of unknown time)"
	}
	fmt.Fprintf(&b, "  %-28s %10.1f%s\n", "total", total, more)
	return b.String()
}

// fetchReporter shows fetch progress: on a terminal one bar redrawn in
// place (files, bytes, percent); elsewhere (CI, logs) a line per file and
// per quarter of a big file.
func (g *globals) fetchReporter() sources.Reporter {
	f := &fetchLines{g: g, size: map[string]int64{}, done: map[string]int64{}, last: map[string]int{}}
	if file, ok := g.stderr.(*os.File); ok && term.IsTerminal(int(file.Fd())) && !g.json && !g.quiet {
		f.tty = true
	}
	return f
}

type fetchLines struct {
	g     *globals
	tty   bool
	mu    sync.Mutex
	size  map[string]int64
	done  map[string]int64
	last  map[string]int
	files int // finished
	drawn time.Time
}

func (f *fetchLines) bar(force bool) {
	if !force && time.Since(f.drawn) < 100*time.Millisecond {
		return
	}
	f.drawn = time.Now()
	// Files whose pin gives no size add to the MB done, not to the total
	// or the percentage.
	var total, done, unsized int64
	for k, s := range f.size {
		if s <= 0 {
			unsized += f.done[k]
			continue
		}
		total += s
		done += min(f.done[k], s)
	}
	pct := 0
	if total > 0 {
		pct = min(int(done*100/total), 100)
	}
	done += unsized
	const width = 30
	fill := pct * width / 100
	f.g.mu.Lock()
	fmt.Fprintf(f.g.stderr, "\rfetch %d/%d files %7.1f/%.1f MB [%s%s] %3d%%", f.files, len(f.size),
		float64(done)/1e6, float64(total)/1e6, strings.Repeat("=", fill), strings.Repeat(" ", width-fill), pct)
	if force && f.files == len(f.size) {
		fmt.Fprintln(f.g.stderr)
	}
	f.g.mu.Unlock()
}

func (f *fetchLines) Start(file string, size int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.size[file] = size
	if f.tty {
		f.bar(true)
		return
	}
	if size <= 0 {
		f.g.printf("fetch %s (size not pinned)\n", file)
		return
	}
	f.g.printf("fetch %s (%d bytes)\n", file, size)
}

func (f *fetchLines) Progress(file string, done int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.done[file] = done
	if f.tty {
		f.bar(false)
		return
	}
	if f.size[file] <= 0 {
		return
	}
	pct := int(done * 100 / f.size[file])
	if pct/25 > f.last[file]/25 {
		f.last[file] = pct
		f.g.printf("fetch %s: %d%%\n", file, pct)
	}
}

func (f *fetchLines) Done(file string, err error, from string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files++
	if err == nil {
		f.done[file] = f.size[file]
	}
	if f.tty {
		f.bar(true)
		if err != nil {
			f.g.printf("\nfetch %s: failed: %v\n", file, err)
		}
		return
	}
	if err != nil {
		f.g.printf("fetch %s: failed: %v\n", file, err)
		return
	}
	f.g.printf("fetch %s: ok from %s\n", file, from)
}

// plan loads the manifest and computes every stage's plan; no sandbox.
func (g *globals) plan(ctx context.Context) (*manifests.Manifest, *stages.Engine, []stages.StagePlan, error) {
	m, err := g.loadManifest()
	if err != nil {
		return nil, nil, nil, err
	}
	e, err := g.engine(m, false)
	if err != nil {
		return nil, nil, nil, err
	}
	plans, err := e.Plan(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	return m, e, plans, nil
}
