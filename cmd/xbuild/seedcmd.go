package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	"github.com/xlapp/xbuild/cache"
	"github.com/xlapp/xbuild/manifests"
	"github.com/xlapp/xbuild/seed"
	"github.com/xlapp/xbuild/stages"
)

func seedCmd() *command {
	return &command{name: "seed", args: "debootstrap | import TARBALL|DIR", short: "create the seed (the pinned build host) as a snapshot",
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) == 0 {
				return usagef("seed needs a subcommand: debootstrap, or import TARBALL|DIR")
			}
			m, err := g.loadManifest()
			if err != nil {
				return err
			}
			switch {
			case args[0] == "debootstrap" && len(args) == 1:
				_, err := g.debootstrap(ctx, m)
				return err
			case args[0] == "import" && len(args) == 2:
				cs, err := g.cache()
				if err != nil {
					return err
				}
				d, err := seed.Import(ctx, args[1], snapshotter{cs, m})
				if err != nil {
					return err
				}
				return g.setSeed(ctx, m, d)
			}
			return usagef("seed: want 'seed debootstrap' or 'seed import TARBALL|DIR'")
		}}
}

// snapshotter adapts the store to seed.Snapshotter, clamping times to the
// manifest's SOURCE_DATE_EPOCH like every other snapshot.
type snapshotter struct {
	cs *cache.Store
	m  *manifests.Manifest
}

func (s snapshotter) Snapshot(ctx context.Context, dir string) (digest.Digest, error) {
	return s.cs.Snapshot(ctx, dir, cache.SnapshotOptions{})
}

func (g *globals) debootstrap(ctx context.Context, m *manifests.Manifest) (digest.Digest, error) {
	if err := requireRoot(); err != nil {
		return "", err
	}
	cs, err := g.cache()
	if err != nil {
		return "", err
	}
	logPath := filepath.Join(g.store, "logs", m.Name, "seed-debootstrap.log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return "", err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	defer logf.Close()
	g.printf("seed: debootstrap %s (%s) with %d extra packages, log %s\n", m.Seed.Suite, m.Seed.Variant, len(m.Seed.Include), logPath)
	d, err := seed.Debootstrap(ctx, m.Seed, snapshotter{cs, m}, seed.DebootstrapOptions{Log: logf, WorkDir: filepath.Join(g.store, "work")})
	if err != nil {
		return "", fmt.Errorf("%w (log: %s)", err, logPath)
	}
	return d, g.setSeed(ctx, m, d)
}

func (g *globals) setSeed(ctx context.Context, m *manifests.Manifest, d digest.Digest) error {
	cs, err := g.cache()
	if err != nil {
		return err
	}
	if err := cs.SetRef(ctx, stages.SeedRef(m.Seed), d); err != nil {
		return err
	}
	if m.Seed.Digest != "" && m.Seed.Digest != d {
		g.printf("seed: WARNING: the manifest pins seed %s, this seed is %s; builds use the one in the store\n", m.Seed.Digest, d)
	}
	if g.json {
		return g.emitJSON(map[string]any{"seed": d})
	}
	fmt.Fprintf(g.stdout, "seed %s\n", d)
	return nil
}
