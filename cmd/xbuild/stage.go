package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/xlapp/xbuild/manifests"
	"github.com/xlapp/xbuild/stages"
)

func stageCmd() *command {
	var until string
	return &command{name: "stage", args: "NAME [--until PKG]", short: "build a stage and its uncached ancestors into the LFS tree",
		flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&until, "until", "", "stop after this package of the stage")
		},
		run: func(ctx context.Context, g *globals, args []string) error {
			g.until = until
			if len(args) != 1 {
				return usagef("stage takes one stage name")
			}
			m, err := g.loadManifest()
			if err != nil {
				return err
			}
			return g.buildStage(ctx, m, args[0])
		}}
}

func buildCmd() *command {
	return &command{name: "build", short: "build every stage",
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) > 0 {
				return usagef("build takes no arguments")
			}
			m, err := g.loadManifest()
			if err != nil {
				return err
			}
			for _, leaf := range leaves(m) {
				if err := g.buildStage(ctx, m, leaf); err != nil {
					return err
				}
			}
			return nil
		}}
}

// leaves are the stages no other stage builds on: building them builds all.
func leaves(m *manifests.Manifest) []string {
	isParent := map[string]bool{}
	for _, s := range m.Stages {
		isParent[s.Parent] = true
	}
	var out []string
	for _, s := range m.Stages {
		if !isParent[s.Name] {
			out = append(out, s.Name)
		}
	}
	return out
}

func (g *globals) buildStage(ctx context.Context, m *manifests.Manifest, name string) error {
	if m.Stage(name) == nil {
		var names []string
		for _, s := range m.Stages {
			names = append(names, s.Name)
		}
		return usagef("unknown stage %q: manifest %s has %s", name, m.Name, strings.Join(names, ", "))
	}
	e, err := g.engine(m, true)
	if err != nil {
		return err
	}
	if _, err := e.Seed(ctx); err != nil {
		return err
	}
	// A build never starts with a missing or unverified source.
	if err := g.fetch(ctx, m, stageSources(m, name)); err != nil {
		return err
	}
	start := time.Now()
	res, err := e.BuildUntil(ctx, name, g.until)
	if err != nil {
		var be *stages.BuildError
		if errors.As(err, &be) {
			g.mu.Lock()
			fmt.Fprintf(g.stderr, "--- last %d lines of %s ---\n", len(be.Tail), be.Log)
			for _, l := range be.Tail {
				fmt.Fprintln(g.stderr, l)
			}
			fmt.Fprintf(g.stderr, "--- debug with: xbuild shell %s (runs where %s failed)\n", be.Stage, be.Package)
			g.mu.Unlock()
		}
		return err
	}
	if g.json {
		return g.emitJSON(map[string]any{"stage": res.Stage, "key": res.Key, "snapshot": res.Snapshot, "built": res.Built, "lfs": e.LFS, "seconds": time.Since(start).Seconds()})
	}
	if !g.quiet {
		what := "all cached"
		if len(res.Built) > 0 {
			what = "built " + strings.Join(res.Built, ", ")
		}
		fmt.Fprintf(g.stdout, "stage %s: %s in %s; %s holds %s\n", name, what, dur(time.Since(start)), e.LFS, res.Snapshot)
	}
	return nil
}
