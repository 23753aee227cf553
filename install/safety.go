package install

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/xlapp/xbuild/install/bootloader"
	"github.com/xlapp/xbuild/install/hostinfo"
)

// Kind is the host's boot loader.
type Kind string

const (
	GRUB2       Kind = "grub2"
	GRUBLegacy  Kind = "grub-legacy"
	grubDirName      = "grub"
)

// bootInfo is the host's boot loader as checked.
type bootInfo struct {
	Kind    Kind
	Dir     string // the host's /boot
	GrubDir string // Dir/grub
	UUID    string // of the file system holding Dir
	Prefix  string // Dir's path inside that file system ("" or "/boot")
	Config  []byte // grub.cfg or menu.lst
	// SavedDefault is why "xlapp-watchdog uninstall" could not make XLAPP
	// the default (GRUB_DEFAULT is not "saved"), or nil.
	SavedDefault error
}

// checkBoot pre-flights the host's boot loader.
func checkBoot(facts *hostinfo.Facts, opts *Options) (*bootInfo, error) {
	b := &bootInfo{Dir: filepath.Clean(opts.Boot)}
	b.GrubDir = filepath.Join(b.Dir, grubDirName)
	if cfg, err := os.ReadFile(filepath.Join(b.GrubDir, "grub.cfg")); err == nil {
		b.Kind, b.Config = GRUB2, cfg
		if err := bootloader.CheckGRUB2(cfg); err != nil {
			return nil, fmt.Errorf("host boot loader %s: %w", filepath.Join(b.GrubDir, "grub.cfg"), err)
		}
		b.SavedDefault = bootloader.CheckSavedDefault(cfg)
	} else if cfg, err := os.ReadFile(filepath.Join(b.GrubDir, "menu.lst")); err == nil {
		b.Kind, b.Config = GRUBLegacy, cfg
		def, _ := os.ReadFile(filepath.Join(b.GrubDir, "default"))
		if _, err := bootloader.MenuLst(cfg, def, "", nil); err != nil {
			return nil, fmt.Errorf("host boot loader %s: %w", filepath.Join(b.GrubDir, "menu.lst"), err)
		}
	} else {
		return nil, fmt.Errorf("host boot loader in %s: %w", b.GrubDir, ErrNoBootloader)
	}

	m, ok := facts.MountOf(b.GrubDir)
	if !ok {
		return nil, fmt.Errorf("host boot loader %s: not on a mounted file system", b.GrubDir)
	}
	dev, haveDev := facts.Device(m.MajMin)
	switch {
	case m.FSType == "btrfs" || m.FSType == "zfs":
		return nil, fmt.Errorf("%s is on %s: %w", b.GrubDir, m.FSType, ErrGrubEnvUnwritable)
	case haveDev && stacked(dev.Type):
		return nil, fmt.Errorf("%s is on %s (%s): %w", b.GrubDir, dev.Path, dev.Type, ErrGrubEnvUnwritable)
	case strings.HasPrefix(m.Source, "/dev/mapper/") || strings.HasPrefix(m.Source, "/dev/md"):
		return nil, fmt.Errorf("%s is on %s: %w", b.GrubDir, m.Source, ErrGrubEnvUnwritable)
	}
	b.UUID, b.Prefix = opts.BootUUID, opts.BootPrefix
	if b.UUID == "" {
		b.UUID = dev.UUID
	}
	if b.UUID == "" {
		return nil, fmt.Errorf("host /boot %s: no file system UUID found for %s", b.Dir, m.Source)
	}
	if opts.BootPrefix == "" {
		rel, err := filepath.Rel(m.Point, b.Dir)
		if err != nil {
			return nil, fmt.Errorf("host /boot %s: %w", b.Dir, err)
		}
		b.Prefix = path.Join("/", m.Root, filepath.ToSlash(rel))
		if b.Prefix == "/" {
			b.Prefix = ""
		}
	}
	return b, nil
}

// stacked reports device types GRUB cannot write its environment block on.
func stacked(typ string) bool {
	return typ == "lvm" || typ == "crypt" || typ == "dm" || typ == "md" || strings.HasPrefix(typ, "raid")
}

// targetInfo is the checked place to install to.
type targetInfo struct {
	Device   hostinfo.Device // zero in directory mode
	Dir      string          // Target, or the temporary mount point of Device
	UUID     string
	PartUUID string // the partition's id in its table, "" if unknown
	FSType   string
	Label    string
	Capacity int64 // device size or free space, bytes
}

// checkDevice refuses a device that is the host's root or /boot, mounted,
// in use by a volume manager, a whole disk (unless allowed), too small, or
// without a file system when not formatting.
func checkDevice(facts *hostinfo.Facts, opts *Options, need int64) (*targetInfo, error) {
	p := hostinfo.Canonical(opts.Device)
	dev, ok := facts.DeviceByPath(p)
	if !ok {
		return nil, fmt.Errorf("device %s: %w", opts.Device, ErrNoDevice)
	}
	family := append([]hostinfo.Device{dev}, facts.Descendants(dev)...)
	has := func(majmin string) bool {
		for _, d := range family {
			if d.MajMin == majmin {
				return true
			}
		}
		return false
	}
	if m, ok := facts.MountOf("/"); ok && has(m.MajMin) {
		return nil, fmt.Errorf("device %s: %w", p, ErrHostRoot)
	}
	if m, ok := facts.MountOf(filepath.Clean(opts.Boot)); ok && has(m.MajMin) {
		return nil, fmt.Errorf("device %s: %w", p, ErrHostBoot)
	}
	for _, d := range family {
		if ms := facts.MountsOf(d.MajMin); len(ms) > 0 {
			return nil, fmt.Errorf("device %s: %w on %s", p, ErrMounted, ms[0].Point)
		}
	}
	if dev.Type == "disk" || dev.PTType != "" || len(dev.Kids) > 0 && dev.Type != "part" {
		if !opts.WholeDisk {
			return nil, fmt.Errorf("device %s: %w", p, ErrWholeDisk)
		}
	}
	switch dev.FSType {
	case "LVM2_member", "linux_raid_member", "crypto_LUKS", "zfs_member", "bcache":
		return nil, fmt.Errorf("device %s (%s): %w", p, dev.FSType, ErrInUse)
	}
	if len(dev.Kids) > 0 && dev.Type == "part" {
		return nil, fmt.Errorf("device %s (holds %s): %w", p, dev.Kids[0], ErrInUse)
	}
	if need > 0 && dev.Size < need {
		return nil, fmt.Errorf("device %s (%s): %w (%s)", p, human(dev.Size), ErrTooSmall, human(need))
	}
	if !opts.Format && dev.FSType == "" {
		return nil, fmt.Errorf("device %s: %w", p, ErrNoFilesystem)
	}
	return &targetInfo{Device: dev, UUID: dev.UUID, PartUUID: dev.PartUUID, FSType: dev.FSType, Label: dev.Label, Capacity: dev.Size}, nil
}

// checkTarget refuses a target directory that is or holds the host's root
// or /boot, whose device is also mounted elsewhere, that is not empty, or
// that has too little room.
func checkTarget(facts *hostinfo.Facts, opts *Options, need int64) (*targetInfo, error) {
	dir, err := filepath.Abs(opts.Target)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", opts.Target, err)
	}
	boot := filepath.Clean(opts.Boot)
	if dir == "/" {
		return nil, fmt.Errorf("target %s: %w", dir, ErrHostRoot)
	}
	if hostinfo.Within(boot, dir) || hostinfo.Within(dir, boot) {
		return nil, fmt.Errorf("target %s: %w", dir, ErrHostBoot)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("target %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("target %s: not a directory", dir)
	}
	t := &targetInfo{Dir: dir, UUID: opts.TargetUUID, PartUUID: opts.TargetPartUUID, FSType: "ext4"}
	m, ok := facts.MountOf(dir)
	if ok && m.Point == dir {
		if r, ok := facts.MountOf("/"); ok && r.MajMin == m.MajMin {
			return nil, fmt.Errorf("target %s: %w", dir, ErrHostRoot)
		}
		if b, ok := facts.MountOf(boot); ok && b.MajMin == m.MajMin {
			return nil, fmt.Errorf("target %s: %w", dir, ErrHostBoot)
		}
		for _, other := range facts.MountsOf(m.MajMin) {
			if other.Point != dir {
				return nil, fmt.Errorf("target %s: its device %s %w on %s too", dir, m.Source, ErrMounted, other.Point)
			}
		}
		if d, ok := facts.Device(m.MajMin); ok {
			t.Device, t.Label = d, d.Label
			if t.UUID == "" {
				t.UUID = d.UUID
			}
			if t.PartUUID == "" {
				t.PartUUID = d.PartUUID
			}
		}
		t.FSType = m.FSType
	}
	if t.UUID == "" {
		return nil, fmt.Errorf("target %s: %w: not a mounted file system, so its UUID is needed", dir, ErrBadOptions)
	}
	if err := checkEmpty(dir); err != nil {
		return nil, err
	}
	var sfs unix.Statfs_t
	if err := unix.Statfs(dir, &sfs); err == nil {
		t.Capacity = int64(sfs.Bavail) * int64(sfs.Bsize)
		if need > 0 && t.Capacity < need {
			return nil, fmt.Errorf("target %s (%s free): %w (%s)", dir, human(t.Capacity), ErrTooSmall, human(need))
		}
	}
	return t, nil
}

// checkEmpty allows only lost+found.
func checkEmpty(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("target %s: %w", dir, err)
	}
	for _, e := range ents {
		if e.Name() != "lost+found" {
			return fmt.Errorf("target %s: %w (%s)", dir, ErrNotEmpty, e.Name())
		}
	}
	return nil
}

// snapshotNeeds verifies the snapshot when it can, and returns the room it
// needs (0 when unknown).
func snapshotNeeds(ctx context.Context, s Snapshot) (int64, error) {
	if v, ok := s.(Verifier); ok {
		if err := v.Verify(ctx); err != nil {
			return 0, err
		}
	}
	if sz, ok := s.(Sizer); ok {
		n, err := sz.Size(ctx)
		if err != nil {
			return 0, fmt.Errorf("size of snapshot %s: %w", s.Digest(), err)
		}
		return n + n/20 + 32<<20, nil // file system overhead
	}
	return 0, nil
}

func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
