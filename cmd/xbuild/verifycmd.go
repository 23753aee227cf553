package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"
	"github.com/xlapp/xbuild/verify"
	"github.com/xlapp/xbuild/verify/vary"
)

func verifyCmd() *command {
	var varySpec string
	var published bool
	var until string
	return &command{name: "verify", args: "STAGE [--vary=...] [--until PKG] [--published]", short: "rebuild a stage with variations and compare bit for bit",
		flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&varySpec, "vary", "+all", "variations to apply, e.g. -time,-cpus or +all,-locale")
			fs.BoolVar(&published, "published", false, "compare the local build with the digest in xbuild.lock instead of rebuilding")
			fs.StringVar(&until, "until", "", "verify only the stage's packages up to this one")
		},
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) != 1 {
				return usagef("verify takes one stage name")
			}
			set, err := vary.Parse(varySpec)
			if err != nil {
				return usagef("--vary: %v", err)
			}
			m, err := g.loadManifest()
			if err != nil {
				return err
			}
			if m.Stage(args[0]) == nil {
				return usagef("unknown stage %q in manifest %s", args[0], m.Name)
			}
			e, err := g.engine(m, true)
			if err != nil {
				return err
			}
			if err := g.fetch(ctx, m, stageSources(m, args[0])); err != nil {
				return err
			}
			cs, err := g.cache()
			if err != nil {
				return err
			}
			r, err := verify.Stage(ctx, e, cs, args[0], verify.Options{Vary: set, Published: published, Until: until})
			if err != nil {
				return err
			}
			if g.json {
				if err := r.WriteJSON(g.stdout); err != nil {
					return err
				}
			} else if r.Reproducible() {
				fmt.Fprintln(g.stdout, r.Verdict())
			} else if err := r.WriteText(g.stdout); err != nil {
				return err
			}
			if !r.Reproducible() {
				return &silentExit{code: exitFailed}
			}
			return nil
		}}
}
