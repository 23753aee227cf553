package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/spf13/pflag"
	"github.com/xlapp/xbuild/cache"
	"github.com/xlapp/xbuild/install"
)

func installCmd() *command {
	var o install.Options
	var stage, snapshot, fromDir string
	var undo bool
	var timeout time.Duration
	return &command{name: "install", args: "--device DEV | --target DIR | --undo", short: "install the system onto a partition with trial boot entries",
		flags: func(fs *pflag.FlagSet) {
			fs.StringVar(&o.Device, "device", "", "the partition to install onto (e.g. /dev/sda5)")
			fs.StringVar(&o.Target, "target", "", "a mounted partition or a directory to install into instead")
			fs.StringVar(&o.TargetUUID, "target-uuid", "", "file system UUID for fstab and boot entries when --target is a plain directory")
			fs.StringVar(&o.TargetPartUUID, "target-partuuid", "", "PARTUUID of the partition that will hold a plain --target directory: root= for a kernel without initramfs")
			fs.StringVar(&o.Boot, "boot", "/boot", "the host's /boot, where the kernel and boot entries go")
			fs.StringVar(&o.BootUUID, "boot-uuid", "", "UUID of the file system holding --boot, as GRUB sees it (default: probed)")
			fs.StringVar(&o.BootPrefix, "boot-prefix", "", "path of --boot inside that file system (default: probed; \"\" when /boot is its own)")
			fs.BoolVar(&o.Format, "format", false, "make an ext4 file system on --device first")
			fs.StringVar(&o.Label, "label", "XLAPP", "file system label with --format")
			fs.BoolVar(&o.WholeDisk, "whole-disk", false, "allow --device to be a whole disk")
			fs.BoolVar(&o.DryRun, "dry-run", false, "print the full plan and write nothing")
			fs.BoolVar(&o.Yes, "yes", false, "do not ask for the device name to be typed back")
			fs.BoolVar(&o.Xen, "xen", false, "add a Xen entry (after the xen stage)")
			fs.StringVar(&o.XenArgs, "xen-args", "", "Xen's command line (default \"dom0_mem=1024M,max:1024M\"), e.g. with com1=115200,8n1 console=com1")
			fs.StringVar(&o.XenDom0Args, "dom0-cmdline", "", "dom0 kernel's extra command line under Xen (default \"console=hvc0\")")
			fs.StringVar(&o.Cmdline, "cmdline", "", "extra kernel command line, e.g. console=ttyS0,115200")
			fs.StringVar(&o.MachineConfig, "config", "", "machine.config from 'xbuild configure' (default STORE/machine.config)")
			fs.DurationVar(&timeout, "watchdog", 30*time.Second, "how long the first boot waits for 'xlapp-watchdog stop'")
			fs.StringVar(&stage, "stage", "", "the stage to install (default: base, or xen with --xen)")
			fs.StringVar(&snapshot, "snapshot", "", "install this snapshot digest instead of a stage")
			fs.StringVar(&fromDir, "from-dir", "", "install this directory tree instead of a stage (snapshotted into the store first)")
			fs.BoolVar(&undo, "undo", false, "put the host's bootloader files back as they were")
		},
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) > 0 {
				return usagef("install takes only flags")
			}
			if undo {
				return install.Undo(ctx, install.UndoOptions{Boot: o.Boot, DryRun: o.DryRun, Out: g.stdout})
			}
			if (o.Device == "") == (o.Target == "") {
				return usagef("install: give exactly one of --device DEV or --target DIR")
			}
			if o.MachineConfig == "" {
				o.MachineConfig = filepath.Join(g.store, "machine.config")
			}
			m, err := g.loadManifest()
			if err != nil {
				return err
			}
			o.Version = m.Version
			o.Watchdog.Timeout = timeout
			o.In, o.Out = g.stdin, g.stdout
			cs, err := g.cache()
			if err != nil {
				return err
			}
			var d digest.Digest
			if fromDir != "" {
				// Through the store, so that the tree is installed as a
				// stage's would be: hardlinks, device nodes, FIFOs, xattrs
				// (capabilities), sparse files and times kept.
				if d, err = cs.Snapshot(ctx, fromDir, cache.SnapshotOptions{}); err != nil {
					return fmt.Errorf("--from-dir: %w", err)
				}
			} else if d, err = g.installSnapshot(ctx, stage, snapshot, o.Xen); err != nil {
				return err
			}
			o.Snapshot = storeSnapshot{cs: cs, d: d}
			_, err = install.Install(ctx, o)
			return err
		}}
}

func (g *globals) installSnapshot(ctx context.Context, stage, snapshot string, xen bool) (digest.Digest, error) {
	if snapshot != "" {
		return g.resolveSnapshot(ctx, snapshot)
	}
	if stage == "" {
		stage = "base"
		if xen {
			stage = "xen"
		}
	}
	return g.resolveSnapshot(ctx, stage)
}

// storeSnapshot is a snapshot in the store, as install wants it: it can
// check every blob before anything is written, and knows its size.
type storeSnapshot struct {
	cs *cache.Store
	d  digest.Digest
}

func (s storeSnapshot) Digest() digest.Digest { return s.d }

func (s storeSnapshot) Restore(ctx context.Context, dir string) error {
	return s.cs.Restore(ctx, s.d, dir, cache.RestoreOptions{})
}

func (s storeSnapshot) Size(ctx context.Context) (int64, error) {
	t, err := s.cs.Tree(ctx, s.d)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, e := range t.Entries {
		n += e.Size
	}
	return n, nil
}

// Verify reads every blob of the snapshot through its verifying reader.
func (s storeSnapshot) Verify(ctx context.Context) error {
	t, err := s.cs.Tree(ctx, s.d)
	if err != nil {
		return err
	}
	seen := map[digest.Digest]bool{}
	for _, e := range t.Entries {
		if e.Digest == "" || seen[e.Digest] {
			continue
		}
		seen[e.Digest] = true
		r, err := s.cs.OpenBlob(ctx, e.Digest)
		if err != nil {
			return fmt.Errorf("%s: %w", e.Path, err)
		}
		_, err = io.Copy(io.Discard, r)
		if cerr := r.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("snapshot %s, file %s: %w", s.d, e.Path, err)
		}
	}
	return nil
}
