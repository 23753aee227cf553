package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xlapp/xbuild/manifests"
)

func lockCmd() *command {
	return &command{name: "lock", short: "write xbuild.lock: each built stage's snapshot digest, to publish",
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) > 0 {
				return usagef("lock takes no arguments")
			}
			m, _, plans, err := g.plan(ctx)
			if err != nil {
				return err
			}
			if strings.HasPrefix(m.Dir, "embedded:") {
				return usagef("lock writes into the manifest directory: give --manifest DIR (a checkout), not the embedded %s", m.Dir)
			}
			var b strings.Builder
			b.WriteString("# xbuild.lock: published snapshot digests, written by 'xbuild lock'\n")
			n := 0
			for _, p := range plans {
				if p.Cached {
					fmt.Fprintf(&b, "%s %s\n", p.Stage, p.Snapshot)
					n++
				}
			}
			path := filepath.Join(g.manifest, manifests.LockFile)
			if err := os.WriteFile(path+".tmp", []byte(b.String()), 0o644); err != nil {
				return err
			}
			if err := os.Rename(path+".tmp", path); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "%s: %d stages locked\n", path, n)
			return nil
		}}
}
