package install

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/xlapp/xbuild/install/bootloader"
	"github.com/xlapp/xbuild/install/hostinfo"
	"github.com/xlapp/xbuild/machine"
)

// Entry ids in custom.cfg; xlapp-watchdog names them too.
const (
	TrialID    = "xlapp-trial"
	TrustedID  = "xlapp"
	XenTrialID = "xlapp-xen-trial"
	XenID      = "xlapp-xen"
)

// WatchdogConf is where, in the installed tree, install tells
// xlapp-watchdog how to reach the host's boot loader.
const WatchdogConf = "etc/xlapp/watchdog.conf"

// watchdogPaths are where the config stage may install xlapp-watchdog.
func watchdogPaths() []string {
	return []string{"etc/rc.d/init.d/xlapp-watchdog", "usr/sbin/xlapp-watchdog", "sbin/xlapp-watchdog"}
}

// Plan is what Install will do (or did), as shown before confirming.
type Plan struct {
	Device   string // "" in directory mode
	Target   string
	Size     int64
	FSType   string
	Label    string
	UUID     string // "" until formatted
	Format   bool
	Snapshot digest.Digest

	Boot       string
	Bootloader Kind
	BootUUID   string
	Cmdline    string // of the trial entry, without root=
	Changes    []string
	Warnings   []string
}

// Result reports a finished install.
type Result struct {
	Plan    Plan
	Kernel  string   // installed kernel in the host's /boot
	Entries []string // ids (GRUB 2) or titles (legacy) added
	Armed   string   // the entry the next boot starts, once
}

// Install checks everything, shows the plan, asks for the device name to be
// typed back (unless Yes), and then writes the system and arms a trial
// boot. With DryRun it stops after showing the plan. A refusal returns
// before anything is written.
func Install(ctx context.Context, opts Options) (*Result, error) {
	if err := defaults(&opts); err != nil {
		return nil, err
	}
	cfg, err := machine.Load(opts.MachineConfig)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", opts.MachineConfig, ErrNoMachineConfig)
	}
	if err != nil {
		return nil, err
	}
	facts := opts.Host
	if facts == nil {
		if facts, err = hostinfo.Read(ctx); err != nil {
			return nil, err
		}
	}
	boot, err := checkBoot(facts, &opts)
	if err != nil {
		return nil, err
	}
	need, err := snapshotNeeds(ctx, opts.Snapshot)
	if err != nil {
		return nil, err
	}
	var tgt *targetInfo
	if opts.Device != "" {
		tgt, err = checkDevice(facts, &opts, need)
	} else {
		tgt, err = checkTarget(facts, &opts, need)
	}
	if err != nil {
		return nil, err
	}
	plan := makePlan(&opts, boot, tgt)
	printPlan(opts.Out, &plan)
	if opts.DryRun {
		fmt.Fprintln(opts.Out, "Dry run: nothing was written.")
		return &Result{Plan: plan}, nil
	}
	if !opts.Yes {
		if err := confirm(opts.In, opts.Out, plan.name()); err != nil {
			return nil, err
		}
	}

	// From here on, disks change.
	if opts.Device != "" {
		if opts.Format {
			if err := run(ctx, "mkfs.ext4", "-F", "-q", "-L", opts.Label, tgt.Device.Path); err != nil {
				return nil, fmt.Errorf("format %s: %w", tgt.Device.Path, err)
			}
		}
		fsinfo, err := hostinfo.Probe(ctx, tgt.Device.Path)
		if err != nil {
			return nil, err
		}
		tgt.UUID, tgt.FSType, tgt.Label = fsinfo.UUID, fsinfo.FSType, fsinfo.Label
		if tgt.PartUUID == "" {
			tgt.PartUUID = fsinfo.PartUUID
		}
		plan.UUID, plan.FSType, plan.Label = tgt.UUID, tgt.FSType, tgt.Label
		dir, unmount, err := mountDevice(ctx, tgt.Device.Path, tgt.FSType)
		if err != nil {
			return nil, err
		}
		defer unmount()
		if err := checkEmpty(dir); err != nil {
			return nil, err
		}
		tgt.Dir = dir
	}
	if err := opts.Snapshot.Restore(ctx, tgt.Dir); err != nil {
		return nil, fmt.Errorf("write system to %s: %w", plan.name(), err)
	}
	if err := makeMountPoints(tgt.Dir); err != nil {
		return nil, fmt.Errorf("write system to %s: %w", plan.name(), err)
	}
	kernel, err := findKernel(tgt.Dir)
	if err != nil {
		return nil, err
	}
	if !hasWatchdog(tgt.Dir) {
		return nil, fmt.Errorf("target %s: %w (looked in /%s)", plan.name(), ErrNoWatchdog, strings.Join(watchdogPaths(), ", /"))
	}
	if !anyExecutable(tgt.Dir, watchdogOnPath()) {
		return nil, fmt.Errorf("target %s: %w on PATH, so the trial could not be stopped (looked in /%s; a dangling link counts as none)",
			plan.name(), ErrNoWatchdog, strings.Join(watchdogOnPath(), ", /"))
	}
	if opts.Xen && kernel.Xen == "" {
		return nil, fmt.Errorf("xen entry: no xen*.gz in the snapshot's /boot")
	}
	if kernel.Initrd == "" && tgt.PartUUID == "" {
		return nil, fmt.Errorf("target %s: %w: install onto a partition of a partitioned disk, or give --target-partuuid (blkid -s PARTUUID -o value PARTITION); the host's boot loader was not changed", plan.name(), ErrNoPartUUID)
	}
	if err := machine.Apply(tgt.Dir, cfg, tgt.UUID, tgt.FSType); err != nil {
		return nil, fmt.Errorf("apply machine config: %w", err)
	}
	res, err := writeBoot(ctx, &opts, boot, tgt, kernel)
	if err != nil {
		return nil, err
	}
	if err := writeWatchdogConf(tgt.Dir, &opts, boot, res); err != nil {
		return nil, err
	}
	if err := syncFS(tgt.Dir); err != nil {
		return nil, err
	}
	res.Plan = plan
	banner(opts.Out, &opts, res, boot, cfg)
	return res, nil
}

func defaults(o *Options) error {
	if o.Snapshot == nil {
		return fmt.Errorf("%w: no snapshot", ErrBadOptions)
	}
	if (o.Device == "") == (o.Target == "") {
		return fmt.Errorf("%w: give exactly one of a device and a target directory", ErrBadOptions)
	}
	if o.Target != "" && o.Format {
		return fmt.Errorf("%w: --format needs a device", ErrBadOptions)
	}
	if o.MachineConfig == "" {
		o.MachineConfig = "machine.config"
	}
	if o.Label == "" {
		o.Label = "XLAPP"
	}
	if o.Boot == "" {
		o.Boot = "/boot"
	}
	if o.Name == "" {
		o.Name = "XLAPP"
	}
	if o.Version == "" {
		return fmt.Errorf("%w: no LFS version for the kernel file names", ErrBadOptions)
	}
	if o.Watchdog.Timeout == 0 {
		o.Watchdog.Timeout = 30 * time.Second
	}
	if o.Watchdog.SoftMargin == 0 {
		o.Watchdog.SoftMargin = 60 * time.Second
	}
	if o.Watchdog.OpenTimeout == 0 {
		o.Watchdog.OpenTimeout = 300 * time.Second
	}
	if o.XenArgs == "" {
		o.XenArgs = "dom0_mem=1024M,max:1024M"
	}
	if o.XenDom0Args == "" {
		o.XenDom0Args = "console=hvc0"
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return nil
}

// TrialArgs is the kernel command line that makes a trial boot reset by
// itself on a panic, an oops or a userspace that stops feeding the softdog.
func TrialArgs(w Watchdog) string {
	return fmt.Sprintf("panic=10 panic_on_oops=1 softdog.soft_active_on_boot=1 softdog.soft_margin=%d softdog.soft_panic=0 watchdog.open_timeout=%d xlapp.trial=1",
		int(w.SoftMargin.Seconds()), int(w.OpenTimeout.Seconds()))
}

func makePlan(o *Options, b *bootInfo, t *targetInfo) Plan {
	p := Plan{
		Device: o.Device, Target: t.Dir, Size: t.Capacity, FSType: t.FSType, Label: t.Label,
		UUID: t.UUID, Format: o.Format, Snapshot: o.Snapshot.Digest(),
		Boot: b.Dir, Bootloader: b.Kind, BootUUID: b.UUID, Cmdline: TrialArgs(o.Watchdog),
	}
	if o.Device != "" {
		p.Device = t.Device.Path
		if o.Format {
			p.FSType, p.Label, p.UUID = "ext4 (new)", o.Label, ""
		}
	}
	stamp := "<time>"
	p.Changes = append(p.Changes,
		filepath.Join(b.Dir, "vmlinuz-<kernel>-lfs-"+o.Version+"-"+stamp)+" (new)",
		filepath.Join(b.Dir, "vmlinuz-<kernel>-lfs-"+o.Version)+" (symlink)")
	if b.Kind == GRUB2 {
		p.Changes = append(p.Changes, filepath.Join(b.GrubDir, "custom.cfg"), filepath.Join(b.GrubDir, "grubenv")+" (next_entry="+armedID(o)+")")
		if b.SavedDefault != nil {
			p.Warnings = append(p.Warnings, "xlapp-watchdog uninstall will not be able to make XLAPP the default: "+b.SavedDefault.Error())
		}
	} else {
		p.Changes = append(p.Changes, filepath.Join(b.GrubDir, "menu.lst"), filepath.Join(b.GrubDir, "default"))
	}
	return p
}

func armedID(o *Options) string {
	if o.Xen {
		return XenTrialID
	}
	return TrialID
}

func (p *Plan) name() string {
	if p.Device != "" {
		return p.Device
	}
	return p.Target
}

func printPlan(w io.Writer, p *Plan) {
	fmt.Fprintln(w, "xbuild install will:")
	if p.Device != "" {
		fmt.Fprintf(w, "  write to device  %s (%s)\n", p.Device, human(p.Size))
		fmt.Fprintf(w, "  now holding      %s\n", describeFS(p.FSType, p.Label, p.UUID))
		if p.Format {
			fmt.Fprintf(w, "  format it        ext4, label %q: EVERYTHING ON IT IS LOST\n", p.Label)
		}
	} else {
		fmt.Fprintf(w, "  write to         %s (%s free, file system UUID %s)\n", p.Target, human(p.Size), p.UUID)
	}
	fmt.Fprintf(w, "  the snapshot     %s\n", p.Snapshot)
	fmt.Fprintf(w, "  host boot loader %s in %s (file system %s)\n", p.Bootloader, p.Boot, p.BootUUID)
	fmt.Fprintln(w, "  change (backed up first; xbuild install --undo restores):")
	for _, c := range p.Changes {
		fmt.Fprintf(w, "    %s\n", c)
	}
	fmt.Fprintf(w, "  trial kernel arguments: %s\n", p.Cmdline)
	for _, warn := range p.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
}

func describeFS(fstype, label, uuid string) string {
	if fstype == "" {
		return "no file system"
	}
	s := fstype
	if label != "" {
		s += fmt.Sprintf(", label %q", label)
	}
	if uuid != "" {
		s += ", UUID " + uuid
	}
	return s
}

// confirm asks for the device name to be typed back; anything else,
// including a partial name or end of input, refuses.
func confirm(in io.Reader, out io.Writer, name string) error {
	if in == nil {
		return fmt.Errorf("%w: no input to confirm on (use --yes)", ErrNotConfirmed)
	}
	fmt.Fprintf(out, "Double-check; triple-check. Type %s to go on: ", name)
	line, err := bufio.NewReader(in).ReadString('\n')
	typed := strings.TrimSpace(line)
	if err != nil && !errors.Is(err, io.EOF) || typed != name {
		return fmt.Errorf("%w: typed %q, not %q", ErrNotConfirmed, typed, name)
	}
	return nil
}

// mountDevice mounts dev on a new temporary directory.
func mountDevice(ctx context.Context, dev, fstype string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "xbuild-target-")
	if err != nil {
		return "", nil, fmt.Errorf("mount %s: %w", dev, err)
	}
	if err := unix.Mount(dev, dir, fstype, 0, ""); err != nil {
		os.Remove(dir)
		return "", nil, fmt.Errorf("mount %s: %w", dev, err)
	}
	return dir, func() {
		unix.Sync()
		if err := unix.Unmount(dir, 0); err == nil {
			os.Remove(dir)
		}
	}, nil
}

func syncFS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// mountPoints are the directories the booted system mounts its API file
// systems on. A stage's snapshot has none of them: the sandbox makes
// those a tree lacks for the run and removes them after, so that they
// never land in a snapshot; without /dev the kernel cannot mount
// devtmpfs and init has no console.
var mountPoints = []struct {
	path string
	mode fs.FileMode
}{
	{"dev", 0o755}, {"proc", 0o555}, {"sys", 0o555}, {"run", 0o755}, {"tmp", 0o777 | fs.ModeSticky},
}

// makeMountPoints creates the missing mount points in root (as root:root);
// existing ones are left as they are.
func makeMountPoints(root string) error {
	for _, m := range mountPoints {
		p := filepath.Join(root, m.path)
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		if err := os.Mkdir(p, 0o700); err != nil {
			return fmt.Errorf("make mount point /%s: %w", m.path, err)
		}
		if err := os.Chmod(p, m.mode); err != nil { // not subject to umask
			return fmt.Errorf("make mount point /%s: %w", m.path, err)
		}
	}
	return nil
}

func hasWatchdog(root string) bool {
	return anyExecutable(root, watchdogPaths())
}

// watchdogOnPath is where root must be able to run "xlapp-watchdog stop"
// by name, as the trial's banner tells it to.
func watchdogOnPath() []string {
	return []string{"usr/sbin/xlapp-watchdog", "usr/bin/xlapp-watchdog", "sbin/xlapp-watchdog", "bin/xlapp-watchdog"}
}

// anyExecutable says whether one of paths, inside root, is an executable
// regular file, following symlinks as the installed system will (see
// statIn); a dangling link counts as missing.
func anyExecutable(root string, paths []string) bool {
	for _, p := range paths {
		if st, err := statIn(root, p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return true
		}
	}
	return false
}

// statIn stats p inside root as a process chrooted to root would see it:
// every symlink on the way is followed, an absolute one from root, and
// ".." stops at root. (os.Root refuses absolute links, which a system
// tree may well hold.)
func statIn(root, p string) (fs.FileInfo, error) {
	cur := path.Clean("/" + p)
	for hops := 0; hops < 40; hops++ {
		parts := strings.Split(strings.TrimPrefix(cur, "/"), "/")
		followed := false
		for i := range parts {
			prefix := "/" + path.Join(parts[:i+1]...)
			fi, err := os.Lstat(filepath.Join(root, prefix))
			if err != nil {
				return nil, err
			}
			if fi.Mode()&fs.ModeSymlink == 0 {
				continue
			}
			target, err := os.Readlink(filepath.Join(root, prefix))
			if err != nil {
				return nil, err
			}
			if !path.IsAbs(target) {
				target = path.Join(path.Dir(prefix), target)
			}
			cur = path.Clean("/" + path.Join(append([]string{target}, parts[i+1:]...)...))
			followed = true
			break
		}
		if !followed {
			return os.Lstat(filepath.Join(root, cur))
		}
	}
	return nil, fmt.Errorf("%s: too many levels of symbolic links", p)
}

// rootArg is the value of root= for the new kernel. An initramfs finds the
// root by file system UUID, which survives repartitioning; the kernel
// alone (LFS builds none) knows only device names, which change with disk
// order, and PARTUUID=, so without an initramfs it gets the PARTUUID.
func rootArg(t *targetInfo, k *kernelFiles) string {
	if k.Initrd != "" || t.PartUUID == "" {
		return "UUID=" + t.UUID
	}
	return "PARTUUID=" + t.PartUUID
}

// writeBoot installs the kernel into the host's /boot and writes and arms
// the boot entries, journaling every file first.
func writeBoot(ctx context.Context, o *Options, b *bootInfo, t *targetInfo, k *kernelFiles) (*Result, error) {
	j, err := openJournal(b.Dir)
	if err != nil {
		return nil, err
	}
	stamp := o.Now().UTC().Format("20060102_150405")
	base := fmt.Sprintf("%s-lfs-%s", k.Version, o.Version)
	install := func(src, name, link string) (string, error) {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		if err := j.record(name); err != nil {
			return "", err
		}
		if _, err := copyFile(src, filepath.Join(b.Dir, name)); err != nil {
			return "", fmt.Errorf("install %s: %w", name, err)
		}
		if link != "" {
			if err := j.record(link); err != nil {
				return "", err
			}
			tmp := filepath.Join(b.Dir, "."+link+".xbuild")
			os.Remove(tmp)
			if err := os.Symlink(name, tmp); err != nil {
				return "", fmt.Errorf("link %s: %w", link, err)
			}
			if err := os.Rename(tmp, filepath.Join(b.Dir, link)); err != nil {
				return "", fmt.Errorf("link %s: %w", link, err)
			}
		}
		return path.Join("/", b.Prefix, name), nil
	}
	kname := "vmlinuz-" + base + "-" + stamp
	kpath, err := install(k.Kernel, kname, "vmlinuz-"+base)
	if err != nil {
		return nil, err
	}
	ipath := ""
	if k.Initrd != "" {
		if ipath, err = install(k.Initrd, "initrd-"+base+"-"+stamp, "initrd-"+base); err != nil {
			return nil, err
		}
	}
	xpath := ""
	if o.Xen {
		if xpath, err = install(k.Xen, "xen-lfs-"+o.Version+"-"+stamp+".gz", ""); err != nil {
			return nil, err
		}
	}
	if err := syncDir(b.Dir); err != nil {
		return nil, fmt.Errorf("sync %s: %w", b.Dir, err)
	}

	root := rootArg(t, k)
	common := strings.TrimSpace(fmt.Sprintf("root=%s ro rootfstype=%s %s", root, t.FSType, o.Cmdline))
	trial := common + " " + TrialArgs(o.Watchdog)
	dom0 := strings.TrimSpace(fmt.Sprintf("root=%s ro rootfstype=%s %s", root, t.FSType, o.XenDom0Args))
	title := fmt.Sprintf("%s %s (kernel %s)", o.Name, o.Version, k.Version)
	entries := []bootloader.Entry{
		{ID: TrialID, Title: title + ", trial: falls back to the host", Kernel: kpath, Initrd: ipath, Cmdline: trial,
			Say: "xbuild: booting " + o.Name + " as a trial; the next boot returns to the host"},
		{ID: TrustedID, Title: title, Kernel: kpath, Initrd: ipath, Cmdline: common + " panic=10",
			Say: "xbuild: booting " + o.Name},
	}
	if o.Xen {
		entries = append(entries,
			bootloader.Entry{ID: XenTrialID, Title: title + " on Xen, trial: falls back to the host", Xen: xpath, XenArgs: o.XenArgs,
				Kernel: kpath, Initrd: ipath, Cmdline: dom0 + " " + TrialArgs(o.Watchdog), Say: "xbuild: booting " + o.Name + " on Xen as a trial; the next boot returns to the host"},
			bootloader.Entry{ID: XenID, Title: title + " on Xen", Xen: xpath, XenArgs: o.XenArgs,
				Kernel: kpath, Initrd: ipath, Cmdline: dom0 + " panic=10", Say: "xbuild: booting " + o.Name + " on Xen"})
	}
	res := &Result{Kernel: filepath.Join(b.Dir, kname)}
	switch b.Kind {
	case GRUB2:
		if err := writeGRUB2(j, b, entries, armedID(o)); err != nil {
			return nil, err
		}
		for _, e := range entries {
			res.Entries = append(res.Entries, e.ID)
		}
		res.Armed = armedID(o)
	case GRUBLegacy:
		armed, err := writeLegacy(j, b, entries, o.Xen)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			res.Entries = append(res.Entries, e.Title)
		}
		res.Armed = armed
	}
	return res, nil
}

func writeGRUB2(j *journal, b *bootInfo, entries []bootloader.Entry, armed string) error {
	custom := filepath.Join(b.GrubDir, "custom.cfg")
	old, err := os.ReadFile(custom)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", custom, err)
	}
	if err := j.record(filepath.Join(grubDirName, "custom.cfg")); err != nil {
		return err
	}
	if err := writeFileAtomic(custom, bootloader.CustomCfg(old, b.UUID, entries), 0o644); err != nil {
		return err
	}
	envPath := filepath.Join(b.GrubDir, "grubenv")
	env := bootloader.NewEnv()
	if data, err := os.ReadFile(envPath); err == nil {
		if env, err = bootloader.ParseEnv(data); err != nil {
			return fmt.Errorf("read %s: %w", envPath, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", envPath, err)
	}
	env.Set("next_entry", armed)
	data, err := env.Encode()
	if err != nil {
		return fmt.Errorf("write %s: %w", envPath, err)
	}
	if err := j.record(filepath.Join(grubDirName, "grubenv")); err != nil {
		return err
	}
	return writeFileAtomic(envPath, data, 0o644)
}

// writeLegacy adds the entries to menu.lst and selects the trial entry
// for the next boot; it returns the armed entry's index.
func writeLegacy(j *journal, b *bootInfo, entries []bootloader.Entry, xen bool) (string, error) {
	menu := filepath.Join(b.GrubDir, "menu.lst")
	defPath := filepath.Join(b.GrubDir, "default")
	def, _ := os.ReadFile(defPath)
	l, err := bootloader.MenuLst(b.Config, def, "", entries)
	if err != nil {
		return "", fmt.Errorf("edit %s: %w", menu, err)
	}
	armed := l.First
	if xen {
		armed = l.First + 2
	}
	if err := j.record(filepath.Join(grubDirName, "menu.lst")); err != nil {
		return "", err
	}
	if err := writeFileAtomic(menu, l.MenuLst, 0o644); err != nil {
		return "", err
	}
	if err := j.record(filepath.Join(grubDirName, "default")); err != nil {
		return "", err
	}
	if err := writeFileAtomic(defPath, bootloader.LegacyDefault(armed), 0o644); err != nil {
		return "", err
	}
	return fmt.Sprint(armed), nil
}

// writeWatchdogConf tells xlapp-watchdog, in the installed tree, where the
// host's boot loader is and which entries to arm.
func writeWatchdogConf(root string, o *Options, b *bootInfo, res *Result) error {
	trial, trusted := TrialID, TrustedID
	if o.Xen {
		trial, trusted = XenTrialID, XenID
	}
	if b.Kind == GRUBLegacy {
		trial = res.Armed
		n := 0
		fmt.Sscan(res.Armed, &n)
		trusted = fmt.Sprint(n + 1)
	}
	conf := fmt.Sprintf(`# Written by xbuild install for xlapp-watchdog.
# The host's boot loader: the file system holding its /boot, and the boot
# loader directory inside that file system.
BOOTLOADER=%s
HOST_BOOT_UUID=%s
HOST_GRUB_DIR=%s
# The entry armed for one boot by "stop", and made the default by "uninstall".
TRIAL_ENTRY=%s
TRUSTED_ENTRY=%s
# Seconds to wait for "xlapp-watchdog stop" before rebooting into the host.
TIMEOUT=%d
# Seconds between writes to /dev/watchdog (the softdog margin is %d).
FEED_INTERVAL=%d
`, b.Kind, b.UUID, path.Join("/", b.Prefix, grubDirName), trial, trusted,
		int(o.Watchdog.Timeout.Seconds()), int(o.Watchdog.SoftMargin.Seconds()),
		max(1, int(o.Watchdog.SoftMargin.Seconds())/4))
	r, err := os.OpenRoot(root)
	if err != nil {
		return fmt.Errorf("write watchdog config: %w", err)
	}
	defer r.Close()
	if err := r.MkdirAll(path.Dir(WatchdogConf), 0o755); err != nil {
		return fmt.Errorf("write watchdog config: %w", err)
	}
	if err := r.WriteFile(WatchdogConf, []byte(conf), 0o644); err != nil {
		return fmt.Errorf("write watchdog config: %w", err)
	}
	return nil
}

func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func banner(w io.Writer, o *Options, r *Result, b *bootInfo, cfg *machine.Config) {
	line := strings.Repeat("=", 72)
	fmt.Fprintln(w, line)
	fmt.Fprintf(w, " %s %s is installed.\n\n", o.Name, o.Version)
	fmt.Fprintf(w, "   system      %s (UUID %s)\n", r.Plan.name(), r.Plan.UUID)
	fmt.Fprintf(w, "   snapshot    %s\n", r.Plan.Snapshot)
	fmt.Fprintf(w, "   kernel      %s\n", r.Kernel)
	fmt.Fprintf(w, "   host name   %s, %v on %s\n", cfg.FQDN(), cfg.Address, cfg.Interface)
	fmt.Fprintf(w, "   boot loader %s in %s, entries %s\n", b.Kind, b.Dir, strings.Join(r.Entries, ", "))
	fmt.Fprintf(w, "\n The next boot, and only the next one, starts %s as a trial.\n", o.Name)
	fmt.Fprintf(w, " Reboot now. On the new system, within %d seconds of its start, log in\n", int(o.Watchdog.Timeout.Seconds()))
	fmt.Fprintln(w, " as root and run:")
	fmt.Fprintln(w, "     xlapp-watchdog stop        keep this boot; the next boot is again a trial")
	fmt.Fprintln(w, "     xlapp-watchdog uninstall   trust it: no watchdog, and it becomes the default")
	fmt.Fprintln(w, " Otherwise, or on a panic or hang, the machine returns to this host by itself.")
	fmt.Fprintln(w, " To put this host's boot loader back as it was: xbuild install --undo")
	if b.SavedDefault != nil {
		fmt.Fprintf(w, "\n Note: %v.\n", b.SavedDefault)
	}
	fmt.Fprintln(w, line)
}
