package main

import (
	"context"
	"fmt"
)

func planCmd() *command {
	return &command{name: "plan", short: "show every stage's cache key, cached or not, and why not",
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) > 0 {
				return usagef("plan takes no arguments")
			}
			_, _, plans, err := g.plan(ctx)
			if err != nil {
				return err
			}
			if g.json {
				return g.emitJSON(plans)
			}
			fmt.Fprintf(g.stdout, "%-12s %-8s %-32s %s\n", "STAGE", "CACHED", "KEY", "SNAPSHOT / WHY NOT")
			for _, p := range plans {
				key := short(p.Key)
				if p.Provisional {
					key += " (provisional)"
				}
				what := p.Reason
				cached := "no"
				if p.Cached {
					cached, what = "yes", short(p.Snapshot)
				}
				fmt.Fprintf(g.stdout, "%-12s %-8s %-32s %s\n", p.Stage, cached, key, what)
			}
			return nil
		}}
}
