package stages

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/xlapp/xbuild/cache"
	"github.com/xlapp/xbuild/manifests"
	"github.com/xlapp/xbuild/sandbox"
)

// Store is what the engine needs of the snapshot store.
type Store interface {
	Snapshot(ctx context.Context, dir string, opts cache.SnapshotOptions) (digest.Digest, error)
	Restore(ctx context.Context, snap digest.Digest, dir string, opts cache.RestoreOptions) error
	HasSnapshot(ctx context.Context, snap digest.Digest) (bool, error)
	Ref(ctx context.Context, name string) (digest.Digest, error)
	SetRef(ctx context.Context, name string, snap digest.Digest) error
}

// SourceStore gives the path of a source file and verifies it.
type SourceStore interface {
	Path(ctx context.Context, src manifests.Source) (string, error)
	// Verify re-hashes the stored copy; a build uses no source it has not
	// just verified (a flipped bit on disk is caught before it is built).
	Verify(ctx context.Context, src manifests.Source) error
}

// Errors callers tell apart with errors.Is.
var (
	ErrUnknownStage = errors.New("unknown stage")
	ErrNoSeed       = errors.New("no seed")
	ErrNotBuilt     = errors.New("not built")
)

// BuildError is a package script that failed. It names the log and carries
// its tail.
type BuildError struct {
	Stage, Package string
	Log            string
	Tail           []string
	Err            error
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("stage %s: package %s failed (%v): full log in %s", e.Stage, e.Package, e.Err, e.Log)
}

func (e *BuildError) Unwrap() error { return e.Err }

// Tweaks change how packages run without changing what they are; verify uses
// them to rebuild with variations. The zero value changes nothing.
type Tweaks struct {
	Hostname, Domainname string
	Umask                *uint32
	Env                  map[string]string // set or override (after the manifest's)
	UserName             string            // rename the non-root build user
	UID, GID             uint32            // and renumber it (0: keep)
	Jobs                 int               // override -j (0: keep)
	Cpuset               string
	BuildDir             string // where the work dir appears inside the sandbox (default /build)
	TmpDir               string // an extra tmpfs, exported as TMPDIR
}

// Engine builds, restores and plans the stages of one manifest.
type Engine struct {
	M        *manifests.Manifest
	Store    Store
	Sources  SourceStore
	Runner   sandbox.Runner
	StoreDir string // the store's root: logs, work dirs, state and seeds live under it
	LFS      string // the LFS tree, e.g. /mnt/lfs
	Jobs     int    // make -jN for parallel-safe packages
	Reporter Reporter

	// Tweaks apply to every package run (verify's variations).
	Tweaks Tweaks
	// Scratch marks a throw-away build (verify): no refs and no records are
	// written, so the cached result of a stage is never replaced.
	Scratch bool
	// MemoryBytes and PidsLimit cap each package's sandbox (0: no limit).
	MemoryBytes, PidsLimit int64

	// Echo, if set, receives every package's output as well as its log.
	Echo io.Writer

	// Prune, if set, removes containers left by a killed xbuild; it runs
	// whenever the build lock is taken.
	Prune func(context.Context) error

	partial bool // building only a prefix of a stage: no stage record
}

func (e *Engine) report(ev Event) {
	if e.Reporter != nil {
		e.Reporter.Report(ev)
	}
}

func stepRef(key digest.Digest) string { return "step/" + key.Encoded() }

// SeedRef is the ref under which the snapshot of a seed configuration is kept.
func SeedRef(s manifests.Seed) string { return "seed/" + SeedKey(s) }

// Seed returns the seed snapshot of the manifest, or ErrNoSeed.
func (e *Engine) Seed(ctx context.Context) (digest.Digest, error) {
	if d := e.M.Seed.Digest; d != "" {
		if ok, _ := e.Store.HasSnapshot(ctx, d); ok {
			return d, nil
		}
	}
	d, err := e.Store.Ref(ctx, SeedRef(e.M.Seed))
	if errors.Is(err, cache.ErrNotFound) {
		return "", fmt.Errorf("%w for manifest %s (%s %s): run 'xbuild seed debootstrap' or 'xbuild seed import TARBALL|DIR'", ErrNoSeed, e.M.Name, e.M.Seed.Suite, e.M.Seed.Variant)
	}
	if err != nil {
		return "", fmt.Errorf("look up seed: %w", err)
	}
	return d, nil
}

// StagePlan is where one stage stands.
type StagePlan struct {
	Stage    string        `json:"stage"`
	Parent   string        `json:"parent,omitempty"`
	Root     string        `json:"root"`
	Key      digest.Digest `json:"key,omitempty"`
	Cached   bool          `json:"cached"`
	Snapshot digest.Digest `json:"snapshot,omitempty"`
	// Reason says, for a stage that is not cached, what changed.
	Reason string `json:"reason,omitempty"`
	// Provisional keys are not final: the parent is not built (or there is
	// no seed), and the real key covers the parent's snapshot.
	Provisional bool          `json:"provisional,omitempty"`
	Packages    []PackagePlan `json:"packages"`
	Published   digest.Digest `json:"published,omitempty"`
	steps       []digest.Digest
	inputs      []StepInput
	resume      int // index of the first package to build
	resumeAt    digest.Digest
}

// PackagePlan is one package step of a stage plan.
type PackagePlan struct {
	Name   string        `json:"name"`
	Key    digest.Digest `json:"key,omitempty"`
	Cached bool          `json:"cached"`
}

// Plan computes every stage's key and cache state, in build order. A stage
// whose parent is not cached has no key yet: its key depends on the parent's
// snapshot.
func (e *Engine) Plan(ctx context.Context) ([]StagePlan, error) {
	seed, seedErr := e.Seed(ctx)
	var plans []StagePlan
	snaps := map[string]digest.Digest{}
	keys := map[string]digest.Digest{}
	for i := range e.M.Stages {
		st := &e.M.Stages[i]
		p := StagePlan{Stage: st.Name, Parent: st.Parent, Root: string(st.Root), Published: e.M.Lock[st.Name]}
		for _, pk := range st.Packages {
			p.Packages = append(p.Packages, PackagePlan{Name: pk.Name})
		}
		parent := EmptyTree
		if st.Parent != "" {
			if ps, ok := snaps[st.Parent]; ok {
				parent = ps.String()
			} else {
				// The real key needs the parent's snapshot; until it exists
				// the key is derived from the parent's (provisional) key.
				parent = "provisional:" + keys[st.Parent].String()
				p.Provisional = true
				p.Reason = fmt.Sprintf("parent %s is not built", st.Parent)
			}
		}
		s := seed
		if seedErr != nil {
			s = "provisional:no-seed"
			p.Provisional = true
			p.Reason = "no seed: run 'xbuild seed debootstrap'"
		}
		if p.Provisional {
			p.steps, p.inputs = StepKeys(e.M, st, s, parent)
			p.Key = p.steps[len(p.steps)-1]
			for j := range p.steps {
				p.Packages[j].Key = p.steps[j]
			}
			keys[st.Name] = p.Key
			plans = append(plans, p)
			continue
		}
		if err := e.fillPlan(ctx, &p, st, seed, parent); err != nil {
			return nil, err
		}
		keys[st.Name] = p.Key
		if p.Cached {
			snaps[st.Name] = p.Snapshot
		}
		plans = append(plans, p)
	}
	return plans, nil
}

func (e *Engine) fillPlan(ctx context.Context, p *StagePlan, st *manifests.Stage, seed digest.Digest, parent string) error {
	p.steps, p.inputs = StepKeys(e.M, st, seed, parent)
	p.Key = p.steps[len(p.steps)-1]
	p.resume, p.resumeAt = 0, ""
	for j := range p.steps {
		p.Packages[j].Key = p.steps[j]
	}
	// Step keys chain (each covers the one before), so the last cached step
	// proves the whole prefix: resume after it.
	for j := len(p.steps) - 1; j >= 0; j-- {
		snap, err := e.Store.Ref(ctx, stepRef(p.steps[j]))
		if errors.Is(err, cache.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("look up %s/%s: %w", st.Name, st.Packages[j].Name, err)
		}
		if ok, err := e.Store.HasSnapshot(ctx, snap); err != nil || !ok {
			continue
		}
		p.resume, p.resumeAt = j+1, snap
		for k := 0; k <= j; k++ {
			p.Packages[k].Cached = true
		}
		break
	}
	if p.resume == len(p.steps) {
		p.Cached = true
		p.Snapshot = p.resumeAt
		return nil
	}
	p.Reason = e.whyMiss(st, p)
	return nil
}

// whyMiss compares the stage's current step inputs with those of its last
// successful build.
func (e *Engine) whyMiss(st *manifests.Stage, p *StagePlan) string {
	rec, err := e.loadStageRecord(st.Name)
	if err != nil || rec == nil {
		if p.resume > 0 {
			return fmt.Sprintf("never completed; resumes after package %s", st.Packages[p.resume-1].Name)
		}
		return "never built"
	}
	old := map[string]stepRecord{}
	for _, s := range rec.Steps {
		old[s.Package] = s
	}
	for j, in := range p.inputs {
		o, ok := old[in.Package.Name]
		if !ok {
			return fmt.Sprintf("package %s is new", in.Package.Name)
		}
		if o.Key == p.steps[j] {
			continue
		}
		return fmt.Sprintf("package %s: %s", in.Package.Name, diffEncoding(o.Encoded, in.Encode()))
	}
	if len(rec.Steps) != len(p.steps) {
		return "packages were removed"
	}
	return "its snapshot is no longer in the store"
}

// diffEncoding names the first field that differs between two step encodings.
func diffEncoding(old, cur string) string {
	field := func(l string) string {
		f, _, _ := strings.Cut(l, " ")
		return f
	}
	ol, cl := strings.Split(old, "\n"), strings.Split(cur, "\n")
	for i := 0; i < len(ol) || i < len(cl); i++ {
		var a, b string
		if i < len(ol) {
			a = ol[i]
		}
		if i < len(cl) {
			b = cl[i]
		}
		if a == b {
			continue
		}
		name := field(b)
		if name == "" {
			name = field(a)
		}
		switch name {
		case "script":
			return "script changed"
		case "source":
			return "sources changed (" + strings.TrimPrefix(b, "source ") + ")"
		case "seed":
			return "seed changed"
		case "parent":
			return "parent snapshot changed"
		case "prev":
			return "an earlier package of the stage changed"
		case "stage-env", "package-env":
			return "environment changed"
		case "stage":
			return "stage settings changed"
		case "package":
			return "package settings changed"
		case "sandbox":
			return "sandbox profile changed"
		case "epoch":
			return "source_date_epoch changed"
		}
		return "inputs changed"
	}
	return "inputs changed"
}

// planOf returns the plan of one stage, resolving ancestors.
func (e *Engine) planOf(ctx context.Context, name string) (*StagePlan, []StagePlan, error) {
	if e.M.Stage(name) == nil {
		var names []string
		for _, s := range e.M.Stages {
			names = append(names, s.Name)
		}
		return nil, nil, fmt.Errorf("%w %q: the manifest %s has %s", ErrUnknownStage, name, e.M.Name, strings.Join(names, ", "))
	}
	plans, err := e.Plan(ctx)
	if err != nil {
		return nil, nil, err
	}
	for i := range plans {
		if plans[i].Stage == name {
			return &plans[i], plans, nil
		}
	}
	return nil, nil, fmt.Errorf("%w %q", ErrUnknownStage, name)
}

// Result is what Build leaves behind.
type Result struct {
	Stage    string
	Key      digest.Digest
	Snapshot digest.Digest
	Built    []string // stages built (not restored) in this run
	Timings  map[string][]Timing
}

// Build builds the named stage and every ancestor that is not cached,
// restoring instead of rebuilding what is cached, and leaves e.LFS holding
// the stage's result. When everything is cached, only the requested stage's
// snapshot is restored (never each ancestor in turn).
func (e *Engine) Build(ctx context.Context, name string) (*Result, error) {
	return e.BuildUntil(ctx, name, "")
}

// BuildUntil is Build, stopping the named stage after package until ("" =
// all its packages). The LFS tree then holds that package's step snapshot;
// a later full Build resumes from it.
func (e *Engine) BuildUntil(ctx context.Context, name, until string) (*Result, error) {
	if _, _, err := e.planOf(ctx, name); err != nil {
		return nil, err
	}
	seed, err := e.Seed(ctx)
	if err != nil {
		return nil, err
	}
	unlock, err := e.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()

	chain := e.M.Ancestors(name)
	res := &Result{Stage: name, Timings: map[string][]Timing{}}
	parent := EmptyTree
	var lastSnap digest.Digest
	treeHolds := "" // what the LFS dir holds right now, as far as this run knows
	if until != "" {
		last := *chain[len(chain)-1]
		found := false
		for i, pk := range last.Packages {
			if pk.Name == until {
				last.Packages, found = last.Packages[:i+1], true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("stage %s has no package %q", name, until)
		}
		chain[len(chain)-1] = &last
		e.partial = true
		defer func() { e.partial = false }()
	}
	for ci, st := range chain {
		p := StagePlan{Stage: st.Name}
		for _, pk := range st.Packages {
			p.Packages = append(p.Packages, PackagePlan{Name: pk.Name})
		}
		if err := e.fillPlan(ctx, &p, st, seed, parent); err != nil {
			return nil, err
		}
		last := ci == len(chain)-1
		if p.Cached {
			e.report(Event{Kind: StageCached, Stage: st.Name, Key: p.Key, Snapshot: p.Snapshot, Msg: e.differsFromPublished(st.Name, p.Snapshot)})
			parent, lastSnap = p.Snapshot.String(), p.Snapshot
			res.Key = p.Key
			continue
		}
		// Build this stage from its best starting point.
		start := p.resumeAt
		if p.resume == 0 {
			start = ""
			if parent != EmptyTree {
				start = digest.Digest(parent)
			}
		}
		if treeHolds != string(start)+"|" {
			if err := e.materialize(ctx, start); err != nil {
				return nil, err
			}
		}
		snap, timings, err := e.buildStage(ctx, st, &p, seed)
		if err != nil {
			return nil, err
		}
		res.Built = append(res.Built, st.Name)
		res.Timings[st.Name] = timings
		parent, lastSnap = snap.String(), snap
		treeHolds = snap.String() + "|"
		res.Key = p.Key
		if msg := e.differsFromPublished(st.Name, snap); msg != "" {
			e.report(Event{Kind: StageDone, Stage: st.Name, Snapshot: snap, Msg: msg})
		}
		_ = last
	}
	res.Snapshot = lastSnap
	if treeHolds != lastSnap.String()+"|" {
		if err := e.materialize(ctx, lastSnap); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// buildStage runs the stage's packages from p.resume on, snapshotting after
// each, and returns the last snapshot.
func (e *Engine) buildStage(ctx context.Context, st *manifests.Stage, p *StagePlan, seed digest.Digest) (digest.Digest, []Timing, error) {
	e.report(Event{Kind: StageStart, Stage: st.Name, Key: p.Key, Total: len(st.Packages), Msg: p.Reason})
	// Times of packages built earlier (cached now), by step key, for the
	// timing table: a resumed stage still shows what its packages took.
	oldSecs := e.loadStepTimes()
	// A store older than the times file still has them in the stage's
	// last record.
	if prev, _ := e.loadStageRecord(st.Name); prev != nil {
		for _, s := range prev.Steps {
			if _, ok := oldSecs[s.Key.String()]; !ok && s.Seconds > 0 {
				oldSecs[s.Key.String()] = s.Seconds
			}
		}
	}
	if st.Root == manifests.RootSeed {
		// Restore the seed before the clock of the first package starts.
		if _, err := e.seedRoot(ctx, seed); err != nil {
			return "", nil, err
		}
	}
	var timings []Timing
	steps := make([]stepRecord, len(st.Packages))
	snap := p.resumeAt
	for j := range st.Packages {
		pk := &st.Packages[j]
		steps[j] = stepRecord{Package: pk.Name, Key: p.steps[j], Encoded: p.inputs[j].Encode(), Seconds: oldSecs[p.steps[j].String()]}
		if j < p.resume {
			e.report(Event{Kind: PackageCached, Stage: st.Name, Package: pk.Name, Index: j + 1, Total: len(st.Packages)})
			timings = append(timings, Timing{Package: pk.Name, Seconds: oldSecs[p.steps[j].String()], Cached: true})
			continue
		}
		start := time.Now()
		if err := e.runPackage(ctx, st, pk, j, seed); err != nil {
			return "", nil, err
		}
		el := time.Since(start)
		e.report(Event{Kind: Snapshotting, Stage: st.Name, Package: pk.Name})
		s, err := e.snapshotLFS(ctx)
		if err != nil {
			return "", nil, err
		}
		snap = s
		if !e.Scratch {
			if err := e.Store.SetRef(ctx, stepRef(p.steps[j]), snap); err != nil {
				return "", nil, fmt.Errorf("record %s/%s: %w", st.Name, pk.Name, err)
			}
		}
		steps[j].Seconds = el.Seconds()
		if !e.Scratch {
			// The unfinished stage's steps so far, so that a gc run with
			// another manifest keeps what this stage resumes from.
			if err := writeJSON(e.partialRecordPath(st.Name), stageRecord{Stage: st.Name, Steps: steps[:j+1], Built: time.Now().UTC()}); err != nil {
				return "", nil, fmt.Errorf("record %s/%s: %w", st.Name, pk.Name, err)
			}
		}
		timings = append(timings, Timing{Package: pk.Name, Seconds: el.Seconds()})
		if !e.Scratch {
			e.saveStepTime(p.steps[j], pk.Name, el.Seconds())
		}
		e.report(Event{Kind: PackageDone, Stage: st.Name, Package: pk.Name, Index: j + 1, Total: len(st.Packages), Elapsed: el, Snapshot: snap})
	}
	timings = e.sbu(timings, st)
	if !e.Scratch && !e.partial {
		if err := writeJSON(e.stageRecordPath(st.Name), stageRecord{Stage: st.Name, Key: p.Key, Snapshot: snap, Steps: steps, Built: time.Now().UTC(), Timings: timings}); err != nil {
			return "", nil, fmt.Errorf("record stage %s: %w", st.Name, err)
		}
	}
	if !e.Scratch {
		_ = os.Remove(e.partialRecordPath(st.Name)) // the full record now holds these steps
	}
	e.report(Event{Kind: StageDone, Stage: st.Name, Key: p.Key, Snapshot: snap})
	e.report(Event{Kind: Timings, Stage: st.Name, Table: timings})
	return snap, timings, nil
}

// sbu fills in SBUs: the manifest's sbu package's time is one unit, else the
// first package built in this run, as the LFS book measures.
func (e *Engine) sbu(t []Timing, st *manifests.Stage) []Timing {
	unit := 0.0
	if e.M.SBU != "" {
		for _, x := range t {
			if x.Package == e.M.SBU {
				unit = x.Seconds
			}
		}
		if unit == 0 {
			unit = e.loadStepTimes()["package:"+e.M.SBU]
		}
	}
	// Without a declared unit the first package built is the unit; with
	// one whose time is not known, there is no SBU column rather than a
	// wrong one.
	if unit == 0 && e.M.SBU == "" {
		for _, x := range t {
			if !x.Cached && x.Seconds > 0 {
				unit = x.Seconds
				break
			}
		}
	}
	for i := range t {
		if unit > 0 {
			t[i].SBU = t[i].Seconds / unit
		}
	}
	return t
}

func (e *Engine) clamp() *time.Time {
	t := time.Unix(e.M.SourceDateEpoch, 0)
	return &t
}

func (e *Engine) snapshotLFS(ctx context.Context) (digest.Digest, error) {
	snap, err := e.Store.Snapshot(ctx, e.LFS, cache.SnapshotOptions{ClampMtime: e.clamp()})
	if err != nil {
		return "", fmt.Errorf("snapshot %s: %w", e.LFS, err)
	}
	if !e.Scratch {
		if err := e.setLFSRecord(lfsRecord{Path: e.LFS, Snapshot: snap}); err != nil {
			return "", err
		}
	}
	return snap, nil
}

// materialize makes e.LFS hold snap ("" = an empty tree). It trusts the
// record of what the directory holds only after a quick stat-cached
// snapshot agrees, so a tree changed by hand is restored again.
func (e *Engine) materialize(ctx context.Context, snap digest.Digest) error {
	if err := e.checkLFSDir(); err != nil {
		return err
	}
	recs := e.loadLFSRecords()
	if r, ok := recs[e.LFS]; ok && !r.Dirty && snap != "" && r.Snapshot == snap {
		cur, err := e.Store.Snapshot(ctx, e.LFS, cache.SnapshotOptions{ClampMtime: e.clamp()})
		if err == nil && cur == snap {
			return nil
		}
	}
	if err := emptyDir(e.LFS); err != nil {
		return err
	}
	if snap == "" {
		if err := os.Chmod(e.LFS, 0o755); err != nil {
			return err
		}
		if err := os.Lchown(e.LFS, 0, 0); err != nil {
			return err
		}
		return e.setLFSRecord(lfsRecord{Path: e.LFS})
	}
	e.report(Event{Kind: Restoring, Snapshot: snap, Msg: e.LFS})
	// Record the tree as dirty first: a restore cut short leaves it so.
	if err := e.setLFSRecord(lfsRecord{Path: e.LFS, Dirty: true}); err != nil {
		return err
	}
	if err := e.Store.Restore(ctx, snap, e.LFS, cache.RestoreOptions{}); err != nil {
		return fmt.Errorf("restore %s into %s: %w", snap, e.LFS, err)
	}
	return e.setLFSRecord(lfsRecord{Path: e.LFS, Snapshot: snap})
}

// checkLFSDir refuses to empty a directory xbuild does not manage.
func (e *Engine) checkLFSDir() error {
	abs, err := filepath.Abs(e.LFS)
	if err != nil {
		return err
	}
	e.LFS = abs
	if abs == "/" {
		return fmt.Errorf("LFS directory is /: give --lfs a dedicated directory such as /mnt/lfs")
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("create LFS directory %s: %w", abs, err)
	}
	if _, ok := e.loadLFSRecords()[abs]; ok {
		return nil
	}
	ents, err := os.ReadDir(abs)
	if err != nil {
		return fmt.Errorf("read LFS directory %s: %w", abs, err)
	}
	for _, ent := range ents {
		if ent.Name() != "lost+found" {
			return fmt.Errorf("LFS directory %s is not empty and was not made by xbuild: empty it or choose another --lfs", abs)
		}
	}
	return nil
}

// emptyDir removes everything below dir but keeps dir (it may be a mount point).
func emptyDir(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("empty %s: %w", dir, err)
	}
	for _, ent := range ents {
		p := filepath.Join(dir, ent.Name())
		if err := os.RemoveAll(p); err != nil {
			// A read-only or immutable leftover: make it writable and retry once.
			_ = filepath.Walk(p, func(q string, fi os.FileInfo, _ error) error {
				if fi != nil && fi.IsDir() {
					_ = os.Chmod(q, 0o755)
				}
				return nil
			})
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("empty %s: %w", dir, err)
			}
		}
	}
	return nil
}

// lock takes the store's build lock so two builds never share an LFS tree
// or race on records.
func (e *Engine) lock(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(e.StoreDir, 0o755); err != nil {
		return nil, fmt.Errorf("create store %s: %w", e.StoreDir, err)
	}
	p := filepath.Join(e.StoreDir, "build.lock")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another xbuild is building with store %s (lock %s held): wait for it", e.StoreDir, p)
	}
	if e.Prune != nil {
		if err := e.Prune(context.WithoutCancel(ctx)); err != nil {
			f.Close()
			return nil, fmt.Errorf("clean up containers of an earlier run: %w", err)
		}
	}
	return func() { f.Close() }, nil
}

// Rebuild builds the named stage once more from its parent's snapshot into
// e.LFS (which must be a fresh directory), ignoring cached package steps,
// and returns the new snapshot and the cached one it should equal. With
// until set, only the stage's packages up to that one are rebuilt and
// compared with that package's cached step. Run it on an Engine with
// Scratch set: nothing it does replaces a cache entry.
func (e *Engine) Rebuild(ctx context.Context, name, until string) (rebuilt, cached digest.Digest, err error) {
	if !e.Scratch {
		return "", "", errors.New("rebuild needs a scratch engine: it must never replace cache entries")
	}
	p, plans, err := e.planOf(ctx, name)
	if err != nil {
		return "", "", err
	}
	st := e.M.Stage(name)
	last := len(st.Packages) - 1
	if until != "" {
		last = -1
		for i, pk := range st.Packages {
			if pk.Name == until {
				last = i
			}
		}
		if last < 0 {
			return "", "", fmt.Errorf("stage %s has no package %q", name, until)
		}
	}
	if !p.Packages[last].Cached {
		return "", "", fmt.Errorf("stage %s up to %s is %w (%s): run 'xbuild stage %s' first", name, st.Packages[last].Name, ErrNotBuilt, p.Reason, name)
	}
	want, err := e.Store.Ref(ctx, stepRef(p.steps[last]))
	if err != nil {
		return "", "", fmt.Errorf("look up %s/%s: %w", name, st.Packages[last].Name, err)
	}
	seed, err := e.Seed(ctx)
	if err != nil {
		return "", "", err
	}
	unlock, err := e.lock(ctx)
	if err != nil {
		return "", "", err
	}
	defer unlock()
	var start digest.Digest
	if st.Parent != "" {
		for _, q := range plans {
			if q.Stage == st.Parent {
				start = q.Snapshot
			}
		}
	}
	if err := e.materialize(ctx, start); err != nil {
		return "", "", err
	}
	prefix := *st
	prefix.Packages = st.Packages[:last+1]
	q := *p
	q.steps, q.inputs, q.Packages = p.steps[:last+1], p.inputs[:last+1], p.Packages[:last+1]
	q.resume, q.resumeAt = 0, ""
	snap, _, err := e.buildStage(ctx, &prefix, &q, seed)
	if err != nil {
		return "", "", err
	}
	return snap, want, nil
}

// differsFromPublished is the loud warning for a stage whose result is not
// the snapshot the manifest's lock file publishes, or "".
func (e *Engine) differsFromPublished(stage string, snap digest.Digest) string {
	pub := e.M.Lock[stage]
	if pub == "" || pub == snap {
		return ""
	}
	return fmt.Sprintf("WARNING: stage %s is %s but %s publishes %s: this build differs from the published one; run 'xbuild verify --published %s'", stage, snap, manifests.LockFile, pub, stage)
}
