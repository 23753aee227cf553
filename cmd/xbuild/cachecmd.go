package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/spf13/pflag"
	"github.com/xlapp/xbuild/cache"
	"github.com/xlapp/xbuild/stages"
)

func cacheCmd() *command {
	var rehash, repair bool
	return &command{name: "cache", args: "ls | gc | check | snapshot DIR", short: "list snapshots, collect garbage, check every stored blob, or snapshot any directory",
		flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&rehash, "rehash", false, "snapshot: re-read every file instead of trusting the stat cache")
			fs.BoolVar(&repair, "repair", false, "check: remove corrupt blobs and the snapshots and refs that need them (their stages rebuild)")
		},
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) == 0 {
				return usagef("cache needs a subcommand: ls, gc, check or snapshot DIR")
			}
			cs, err := g.cache()
			if err != nil {
				return err
			}
			switch args[0] {
			case "ls":
				return g.cacheLs(ctx, cs)
			case "gc":
				return g.cacheGC(ctx, cs)
			case "check":
				return g.cacheCheck(ctx, cs, repair)
			case "snapshot":
				if len(args) != 2 {
					return usagef("cache snapshot takes one directory")
				}
				start := time.Now()
				d, err := cs.Snapshot(ctx, args[1], cache.SnapshotOptions{Rehash: rehash})
				if err != nil {
					return err
				}
				if g.json {
					return g.emitJSON(map[string]any{"snapshot": d, "dir": args[1], "seconds": time.Since(start).Seconds()})
				}
				fmt.Fprintln(g.stdout, d)
				return nil
			}
			return usagef("unknown cache subcommand %q: want ls, gc, check or snapshot", args[0])
		}}
}

func (g *globals) cacheLs(ctx context.Context, cs *cache.Store) error {
	snaps, err := cs.Snapshots(ctx)
	if err != nil {
		return err
	}
	refs, err := cs.Refs(ctx)
	if err != nil {
		return err
	}
	names := map[digest.Digest][]string{}
	for n, d := range refs {
		names[d] = append(names[d], n)
	}
	// Name snapshots by stage where the records know them.
	if _, _, plans, err := g.plan(ctx); err == nil {
		for _, p := range plans {
			if p.Cached {
				names[p.Snapshot] = append(names[p.Snapshot], "stage "+p.Stage)
			}
		}
	}
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].Digest < snaps[j].Digest })
	if g.json {
		type row struct {
			cache.SnapshotInfo
			Names []string `json:"names"`
		}
		var rows []row
		for _, s := range snaps {
			rows = append(rows, row{s, names[s.Digest]})
		}
		return g.emitJSON(rows)
	}
	fmt.Fprintf(g.stdout, "%-20s %8s %12s %12s  %s\n", "SNAPSHOT", "ENTRIES", "BYTES", "STORED", "NAMES")
	for _, s := range snaps {
		fmt.Fprintf(g.stdout, "%-20s %8d %12d %12d  %v\n", short(s.Digest), s.Entries, s.Bytes, s.Stored, names[s.Digest])
	}
	return nil
}

// cacheGC drops the refs of package steps that no stage build of any
// manifest still uses (superseded builds), then every snapshot and blob
// that no remaining ref reaches.
func (g *globals) cacheGC(ctx context.Context, cs *cache.Store) error {
	m, err := g.loadManifest()
	if err != nil {
		return err
	}
	e, err := g.engine(m, false)
	if err != nil {
		return err
	}
	live, err := e.LiveSteps(ctx)
	if err != nil {
		return err
	}
	refs, err := cs.Refs(ctx)
	if err != nil {
		return err
	}
	dropped := 0
	for name := range refs {
		if stages.IsStepRef(name) && !live[name] {
			if err := cs.DeleteRef(ctx, name); err != nil {
				return err
			}
			dropped++
		}
	}
	g.printf("gc: %d superseded package steps dropped, %d kept\n", dropped, len(refs)-dropped)
	st, err := cs.GC(ctx, nil)
	if err != nil {
		return err
	}
	if g.json {
		return g.emitJSON(st)
	}
	fmt.Fprintf(g.stdout, "removed %d snapshots and %d blobs, freed %d bytes\n", st.SnapshotsRemoved, st.BlobsRemoved, st.BytesFreed)
	return nil
}

// errStoreDamaged is cache check's failure: the lines above it name the
// damage.
var errStoreDamaged = errors.New("store damaged: run 'xbuild cache check --repair' to remove the corrupt blobs and the snapshots that need them; their stages rebuild on the next run")

func (g *globals) cacheCheck(ctx context.Context, cs *cache.Store, repair bool) error {
	start := time.Now()
	st, err := cs.Check(ctx, repair)
	if err != nil {
		return err
	}
	if g.json {
		broken := make([]string, len(st.Broken))
		for i, d := range st.Broken {
			broken[i] = d.String()
		}
		corrupt := make([]string, len(st.Corrupt))
		for i, c := range st.Corrupt {
			corrupt[i] = c.Error()
		}
		if err := g.emitJSON(map[string]any{"ok": st.OK(), "packs": st.Packs, "blob_files": st.BlobFiles, "bytes": st.Bytes,
			"corrupt": corrupt, "broken_snapshots": broken, "refs": st.Refs, "repaired": st.Repaired, "seconds": time.Since(start).Seconds()}); err != nil {
			return err
		}
	} else {
		for _, c := range st.Corrupt {
			fmt.Fprintf(g.stdout, "corrupt: %v\n", c)
		}
		for _, d := range st.Broken {
			fmt.Fprintf(g.stdout, "unrestorable snapshot: %s\n", d)
		}
		for _, r := range st.Refs {
			fmt.Fprintf(g.stdout, "ref to it: %s\n", r)
		}
		verb := "found"
		if st.Repaired && !st.OK() {
			verb = "removed"
		}
		fmt.Fprintf(g.stdout, "checked %d packs and %d blob files, %.1f MB of content, in %.1f s: %d corrupt blobs, %d unrestorable snapshots %s\n",
			st.Packs, st.BlobFiles, float64(st.Bytes)/1e6, time.Since(start).Seconds(), len(st.Corrupt), len(st.Broken), verb)
	}
	if !st.OK() && !st.Repaired {
		return errStoreDamaged
	}
	return nil
}
