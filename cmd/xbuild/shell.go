package main

import (
	"context"
	"errors"

	"github.com/spf13/pflag"
	"github.com/xlapp/xbuild/sandbox"
	"github.com/xlapp/xbuild/stages"
)

func shellCmd() *command {
	var parent bool
	return &command{name: "shell", args: "NAME [-- CMD...]", short: "run CMD (default bash) in the stage's sandbox; exits with CMD's status",
		flags: func(fs *pflag.FlagSet) {
			fs.BoolVar(&parent, "parent", false, "start from the stage's parent snapshot, not its latest state")
		},
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) < 1 {
				return usagef("shell takes a stage name, then optionally -- CMD...")
			}
			m, err := g.loadManifest()
			if err != nil {
				return err
			}
			e, err := g.engine(m, true)
			if err != nil {
				return err
			}
			err = e.Shell(ctx, args[0], stages.ShellOptions{Args: args[1:], Stdin: g.stdin, Stdout: g.stdout, Stderr: g.stderr, Parent: parent})
			var ee *sandbox.ExitError
			if errors.As(err, &ee) {
				return &silentExit{code: ee.Code}
			}
			return err
		}}
}
