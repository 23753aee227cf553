package main

import (
	"context"
	"fmt"
)

func fetchCmd() *command {
	return &command{name: "fetch", args: "[STAGE]", short: "download and verify the sources of a stage (default: all)",
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) > 1 {
				return usagef("fetch takes at most one stage")
			}
			m, err := g.loadManifest()
			if err != nil {
				return err
			}
			srcs := m.Sources
			if len(args) == 1 {
				if m.Stage(args[0]) == nil {
					return usagef("unknown stage %q in manifest %s", args[0], m.Name)
				}
				srcs = stageSources(m, args[0])
			}
			if err := g.fetch(ctx, m, srcs); err != nil {
				return err
			}
			if !g.quiet {
				fmt.Fprintf(g.stdout, "%d sources present and verified\n", len(srcs))
			}
			return nil
		}}
}
