package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/xlapp/xbuild/stages"
)

// demoCmd runs the embedded demo pipeline twice: once building (or, on a
// machine that ran it before, restoring) and once more to show that an
// unchanged pipeline is all cache hits.
func demoCmd() *command {
	return &command{name: "demo", short: "run the embedded demo pipeline (seed, GNU hello, snapshot), then again from cache",
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) > 0 {
				return usagef("demo takes no arguments")
			}
			if !g.changed("manifest") {
				g.manifest = "demo"
			}
			if !g.changed("lfs") {
				// The demo never touches a real /mnt/lfs.
				g.lfs = filepath.Join(g.store, "demo", "lfs")
			}
			m, err := g.loadManifest()
			if err != nil {
				return err
			}
			e, err := g.engine(m, true)
			if err != nil {
				return err
			}
			if _, err := e.Seed(ctx); errors.Is(err, stages.ErrNoSeed) {
				if _, err := g.debootstrap(ctx, m); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
			leaf := m.Stages[len(m.Stages)-1].Name
			g.printf("== demo, first run: manifest %s, stages up to %s, LFS tree %s\n", m.Dir, leaf, g.lfs)
			t1 := time.Now()
			if err := g.buildStage(ctx, m, leaf); err != nil {
				return err
			}
			d1 := time.Since(t1)
			g.printf("== demo, second run: nothing changed, so every stage must be a cache hit\n")
			t2 := time.Now()
			res, err := e.Build(ctx, leaf)
			if err != nil {
				return err
			}
			d2 := time.Since(t2)
			if len(res.Built) > 0 {
				return fmt.Errorf("demo: the second run rebuilt %v: the cache did not hold", res.Built)
			}
			g.printf("== demo: the built program, run in the sandbox:\n")
			if err := e.Shell(ctx, leaf, stages.ShellOptions{Args: []string{"/mnt/lfs/usr/bin/hello"}, Stdout: g.stdout, Stderr: g.stderr}); err != nil {
				return fmt.Errorf("demo: run hello: %w", err)
			}
			if g.json {
				return g.emitJSON(map[string]any{"snapshot": res.Snapshot, "first_seconds": d1.Seconds(), "second_seconds": d2.Seconds(), "second_run_all_cached": true})
			}
			fmt.Fprintf(g.stdout, "demo ok: snapshot %s; first run %s, second run %s (all %d stages cached)\n", res.Snapshot, dur(d1), dur(d2), len(m.Stages))
			return nil
		}}
}
