package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

func versionCmd() *command {
	return &command{name: "version", short: "print the version",
		run: func(ctx context.Context, g *globals, args []string) error {
			v := "devel"
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						v = s.Value
					}
				}
			}
			fmt.Fprintf(g.stdout, "xbuild %s\n", v)
			return nil
		}}
}
