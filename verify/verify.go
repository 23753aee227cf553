package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/opencontainers/go-digest"
	"github.com/xlapp/xbuild/cache"
	"github.com/xlapp/xbuild/manifests"
	"github.com/xlapp/xbuild/stages"
	"github.com/xlapp/xbuild/verify/report"
	"github.com/xlapp/xbuild/verify/vary"
)

// Trees is what verify reads from the snapshot store.
type Trees interface {
	Tree(ctx context.Context, snap digest.Digest) (*cache.Tree, error)
	HasSnapshot(ctx context.Context, snap digest.Digest) (bool, error)
	report.BlobOpener
}

// Options says how to verify.
type Options struct {
	Vary vary.Set
	// Published compares the local build with the stage's digest in the
	// manifest's lock file instead of rebuilding.
	Published bool
	// Until verifies only the stage's packages up to this one.
	Until string
}

// ErrNoPublished means the lock file has no digest for the stage.
var ErrNoPublished = errors.New("no published digest")

// Stage verifies one stage. It builds the stage first if it is not cached
// (the cached result is what the rebuild is compared with), then either
// rebuilds it with variations on a scratch copy of e, or compares it with
// the published digest. The cached snapshot is never replaced.
//
// A rebuild that fails is returned as the build's error (a
// *stages.BuildError), never as "not reproducible".
func Stage(ctx context.Context, e *stages.Engine, trees Trees, name string, o Options) (*report.Report, error) {
	res, err := e.BuildUntil(ctx, name, o.Until)
	if err != nil {
		return nil, fmt.Errorf("build %s before verifying it: %w", name, err)
	}
	if o.Published {
		if o.Until != "" {
			return nil, fmt.Errorf("verify: --published compares whole stages; drop --until")
		}
		return published(ctx, e.M, trees, name, res.Snapshot)
	}
	st := e.M.Stage(name)
	scratch := *e
	scratch.Scratch = true
	work, err := os.MkdirTemp(filepath.Join(e.StoreDir, "work"), "verify-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", name, err)
	}
	defer os.RemoveAll(work)
	scratch.LFS = filepath.Join(work, "lfs")

	base := vary.Baseline(st, e.Jobs)
	rootfs := e.LFS
	if st.Root == manifests.RootSeed {
		if seed, err := e.Seed(ctx); err == nil {
			rootfs = filepath.Join(e.StoreDir, "seeds", seed.Encoded())
		}
	}
	set, applied := o.Vary.Apply(base, vary.FactsFor(e.M, st, rootfs, runtime.NumCPU()))
	scratch.Tweaks = tweaks(base, set)
	scratch.Jobs = set.Jobs
	scratch.Reporter = e.Reporter

	rebuilt, cached, err := scratch.Rebuild(ctx, name, o.Until)
	if err != nil {
		return nil, err
	}
	r := &report.Report{Stage: name, Against: report.Rebuild, A: cached, B: rebuilt, Variations: applied, Notes: []string{vary.KernelNote}}
	if o.Until != "" {
		r.Notes = append(r.Notes, fmt.Sprintf("only the packages of %s up to %s were rebuilt and compared", name, o.Until))
	}
	if err := compare(ctx, trees, r); err != nil {
		return nil, err
	}
	return r, nil
}

// tweaks turns the rebuild's settings into the engine's, changing only what
// differs from the first build.
func tweaks(base, s vary.Settings) stages.Tweaks {
	t := stages.Tweaks{Env: s.Env, Cpuset: s.Cpuset, TmpDir: s.TmpDir}
	if s.Hostname != base.Hostname {
		t.Hostname = s.Hostname
	}
	t.Domainname = s.Domainname
	if s.Umask != base.Umask {
		u := s.Umask
		t.Umask = &u
	}
	if s.User.Name != base.User.Name {
		t.UserName = s.User.Name
	}
	if s.User.UID != base.User.UID {
		t.UID, t.GID = s.User.UID, s.User.GID
	}
	if s.Jobs != base.Jobs {
		t.Jobs = s.Jobs
	}
	if s.BuildPath != base.BuildPath {
		t.BuildDir = s.BuildPath
	}
	return t
}

func published(ctx context.Context, m *manifests.Manifest, trees Trees, name string, local digest.Digest) (*report.Report, error) {
	pub, ok := m.Lock[name]
	if !ok {
		return nil, fmt.Errorf("%w for stage %s in %s/%s: run 'xbuild lock' on a trusted build first", ErrNoPublished, name, m.Dir, manifests.LockFile)
	}
	r := &report.Report{Stage: name, Against: report.Published, A: local, B: pub}
	if local == pub {
		return r, nil
	}
	if ok, _ := trees.HasSnapshot(ctx, pub); !ok {
		r.Notes = append(r.Notes, "the published snapshot is not in this store, so the differing files cannot be listed: fetch or restore it to compare file by file")
		return r, nil
	}
	return r, compare(ctx, trees, r)
}

// compare fills r.Differences from the two snapshots' trees.
func compare(ctx context.Context, trees Trees, r *report.Report) error {
	if r.A == r.B {
		ta, err := trees.Tree(ctx, r.A)
		if err == nil {
			r.Files = len(ta.Entries)
		}
		return nil
	}
	ta, err := trees.Tree(ctx, r.A)
	if err != nil {
		return fmt.Errorf("read snapshot %s: %w", r.A, err)
	}
	tb, err := trees.Tree(ctx, r.B)
	if err != nil {
		return fmt.Errorf("read snapshot %s: %w", r.B, err)
	}
	r.Files = len(ta.Entries)
	diffs, err := report.FromChanges(ctx, cache.Diff(ta, tb), trees)
	if err != nil {
		return err
	}
	r.Differences = diffs
	return nil
}
