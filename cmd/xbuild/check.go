package main

import (
	"context"
	"fmt"
)

func checkCmd() *command {
	return &command{name: "check", short: "validate the manifest: keys, pins, scripts, parents, cycles",
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) > 0 {
				return usagef("check takes no arguments (select the manifest with --manifest)")
			}
			m, err := g.loadManifest()
			if err != nil {
				return err
			}
			n := 0
			for _, st := range m.Stages {
				n += len(st.Packages)
			}
			if g.json {
				return g.emitJSON(map[string]any{"manifest": m.Dir, "ok": true, "stages": len(m.Stages), "packages": n, "sources": len(m.Sources)})
			}
			fmt.Fprintf(g.stdout, "%s: ok (%d stages, %d packages, %d pinned sources)\n", m.Dir, len(m.Stages), n, len(m.Sources))
			return nil
		}}
}
