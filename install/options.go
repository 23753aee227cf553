package install

import (
	"errors"
	"io"
	"time"

	"github.com/xlapp/xbuild/install/hostinfo"
)

// Options configure Install. The CLI ("xbuild install") fills them from flags.
type Options struct {
	// Snapshot is the final stage's snapshot: the system to install.
	Snapshot Snapshot
	// MachineConfig is the path of machine.config ("xbuild configure").
	MachineConfig string

	// Exactly one of Device and Target. Device is a block device (a
	// partition) that is mounted on a temporary directory; Target is a
	// mounted partition or a directory.
	Device string
	Target string
	// TargetUUID names the file system UUID of Target when Target is not
	// the root of a mounted file system (a directory that later becomes one).
	TargetUUID string
	// TargetPartUUID is the PARTUUID of the partition that will hold
	// Target when Target is not a mounted partition. A kernel without an
	// initramfs (as LFS builds it) finds its root only by PARTUUID, not by
	// file system UUID.
	TargetPartUUID string
	// WholeDisk allows Device to be a whole disk rather than a partition.
	WholeDisk bool
	// Format makes an ext4 file system with Label on Device first.
	Format bool
	Label  string // default "XLAPP"

	// Boot is the host's /boot directory (default "/boot").
	Boot string
	// BootUUID and BootPrefix describe the file system holding Boot as GRUB
	// sees it: its UUID and Boot's path inside it ("/boot" when /boot is a
	// directory of the root file system, "" when it is its own). Empty:
	// found from the host facts.
	BootUUID   string
	BootPrefix string

	// Name and Version name the system in entries and kernel file names:
	// vmlinuz-<kernel>-lfs-<Version>-<YYYYMMDD_HHMMSS>.
	Name    string // default "XLAPP"
	Version string // the LFS version, e.g. "12.3"

	Watchdog Watchdog
	// Cmdline is appended to the new kernel's command line, e.g. "console=ttyS0,115200".
	Cmdline string
	// Xen adds a Xen entry (phase 2): the target's /boot must hold xen.gz.
	Xen     bool
	XenArgs string // default "dom0_mem=1024M,max:1024M"; never add "noreboot"
	// XenDom0Args replace Cmdline for dom0 (default "console=hvc0").
	XenDom0Args string

	// DryRun prints the plan and writes nothing. Yes skips the typed
	// confirmation.
	DryRun bool
	Yes    bool
	In     io.Reader // confirmation answers
	Out    io.Writer // plan, questions and the closing banner

	// Host holds the host facts; nil reads them from the running system.
	Host *hostinfo.Facts
	// Now is the clock for kernel file names; nil: time.Now.
	Now func() time.Time
}

// Watchdog configures the trial's safety net.
type Watchdog struct {
	// Timeout is how long xlapp-watchdog waits for "stop" before rebooting
	// into the host (default 30s).
	Timeout time.Duration
	// SoftMargin is the softdog's margin: a userspace that stops feeding it
	// for this long is reset (default 60s).
	SoftMargin time.Duration
	// OpenTimeout is how long the kernel feeds the softdog before userspace
	// opens it (watchdog.open_timeout); a boot that hangs before
	// xlapp-watchdog starts is reset after it (default 300s).
	OpenTimeout time.Duration
}

// UndoOptions configure Undo.
type UndoOptions struct {
	Boot   string // the host's /boot (default "/boot")
	DryRun bool
	Out    io.Writer
}

// Refusals. Each is returned wrapped with the identifying value; nothing
// has been written when one is returned.
var (
	ErrNoMachineConfig   = errors.New("no machine config (run xbuild configure)")
	ErrBadOptions        = errors.New("bad install options")
	ErrNoDevice          = errors.New("not a block device")
	ErrHostRoot          = errors.New("is the host's root file system")
	ErrHostBoot          = errors.New("holds the host's /boot")
	ErrMounted           = errors.New("is mounted")
	ErrWholeDisk         = errors.New("is a whole disk (give a partition, or allow it with --whole-disk)")
	ErrTooSmall          = errors.New("is smaller than the snapshot")
	ErrNotEmpty          = errors.New("is not empty (use --format for a device)")
	ErrInUse             = errors.New("is part of an LVM, RAID or encrypted volume")
	ErrNoFilesystem      = errors.New("has no file system (use --format)")
	ErrNoBootloader      = errors.New("no GRUB 2 grub.cfg or GRUB legacy menu.lst found")
	ErrGrubEnvUnwritable = errors.New("GRUB cannot write its environment block there, so a one-time trial boot is impossible")
	ErrNotConfirmed      = errors.New("not confirmed")
	ErrNoKernel          = errors.New("no kernel in the snapshot's /boot")
	ErrNoWatchdog        = errors.New("the snapshot has no xlapp-watchdog")
	ErrNoPartUUID        = errors.New("the kernel has no initramfs, so it can find its root file system only by the partition's PARTUUID, and the target has none")
	ErrNothingToUndo     = errors.New("nothing to undo")
)
