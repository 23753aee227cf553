package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"
	"github.com/xlapp/xbuild/machine"
)

func configureCmd() *command {
	var a machine.Answers
	var out string
	return &command{name: "configure", args: "[--hostname ... --ssh-key ...]", short: "answer the machine questionnaire into machine.config (mode 0600)",
		flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&out, "config", "", "where to write machine.config (default STORE/machine.config)")
			fs.StringVar(&a.Hostname, "hostname", "", "host name")
			fs.StringVar(&a.Domain, "domain", "", "domain name (- for none)")
			fs.StringVar(&a.Interface, "interface", "", "network interface, e.g. eth0")
			fs.StringVar(&a.Address, "address", "", "IPv4 address with prefix, e.g. 192.0.2.10/24")
			fs.StringVar(&a.Gateway, "gateway", "", "IPv4 gateway")
			fs.StringVar(&a.DNS, "dns", "", "DNS servers, separated by commas")
			fs.StringVar(&a.PasswordHash, "password-hash", "", "root password as a ready $6$ crypt hash (else asked twice, not echoed)")
			fs.StringVar(&a.SSHKey, "ssh-key", "", "root's SSH public key: a file or the key itself")
		},
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) > 0 {
				return usagef("configure takes only flags")
			}
			if out == "" {
				out = filepath.Join(g.store, "machine.config")
			}
			opts := machine.ConfigureOptions{Answers: a, In: g.stdin, Out: g.stderr}
			if f, ok := g.stdin.(*os.File); ok {
				opts.ReadSecret = machine.TerminalSecret(f, g.stderr)
			}
			c, err := machine.Configure(ctx, opts)
			if err != nil {
				return fmt.Errorf("configure: %w", err)
			}
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return err
			}
			if err := machine.Save(out, c); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "wrote %s (mode 0600)\n", out)
			return nil
		}}
}
