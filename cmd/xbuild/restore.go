package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/spf13/pflag"
	"github.com/xlapp/xbuild/cache"
)

func restoreCmd() *command {
	var to string
	return &command{name: "restore", args: "STAGE|DIGEST --to DIR", short: "recreate a stage's (or any snapshot's) tree, verifying every blob",
		flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&to, "to", "", "directory to restore into (must be empty or absent)")
		},
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) != 1 {
				return usagef("restore takes one stage name or snapshot digest")
			}
			if to == "" {
				return usagef("restore: --to DIR is required")
			}
			snap, err := g.resolveSnapshot(ctx, args[0])
			if err != nil {
				return err
			}
			cs, err := g.cache()
			if err != nil {
				return err
			}
			if ents, err := os.ReadDir(to); err == nil && len(ents) > 0 {
				return fmt.Errorf("restore: %s is not empty: give an empty or new directory", to)
			}
			start := time.Now()
			if err := cs.Restore(ctx, snap, to, cache.RestoreOptions{}); err != nil {
				return err
			}
			if g.json {
				return g.emitJSON(map[string]any{"snapshot": snap, "to": to, "seconds": time.Since(start).Seconds()})
			}
			if !g.quiet {
				fmt.Fprintf(g.stdout, "restored %s into %s in %s\n", snap, to, dur(time.Since(start)))
			}
			return nil
		}}
}

// resolveSnapshot turns a stage name (its current cached result) or a
// digest into a snapshot digest.
func (g *globals) resolveSnapshot(ctx context.Context, arg string) (digest.Digest, error) {
	if d, err := digest.Parse(arg); err == nil {
		return d, nil
	}
	m, _, plans, err := g.plan(ctx)
	if err != nil {
		return "", err
	}
	if m.Stage(arg) == nil {
		return "", usagef("%q is neither a stage of manifest %s nor a snapshot digest (sha256:...)", arg, m.Name)
	}
	for _, p := range plans {
		if p.Stage == arg {
			if !p.Cached {
				return "", fmt.Errorf("stage %s is not built (%s): run 'xbuild stage %s'", arg, p.Reason, arg)
			}
			return p.Snapshot, nil
		}
	}
	return "", fmt.Errorf("stage %s not found", arg)
}
