// Package install turns a built XLAPP tree into a machine that boots: it
// checks the target device and the host's boot loader, writes the system
// onto the target, applies the machine configuration, installs the kernel
// into the host's /boot and adds boot entries that boot XLAPP once, as a
// trial that always falls back to the host.
//
// Nothing is written before every check has passed and the user has typed
// the device name back (or Options.Yes). Every host boot loader file that is
// changed is first recorded in a journal under <boot>/xbuild-backup, and
// Undo restores them byte for byte.
//
// The safety net has three layers: GRUB consumes the one-time next_entry
// before the kernel starts (any reset lands in the host); the kernel command
// line carries panic=10 and arms the softdog, so a panic or a hung userspace
// resets; and the new system's xlapp-watchdog reboots after a timeout unless
// told "xlapp-watchdog stop".
//
//	res, err := install.Install(ctx, install.Options{
//		Snapshot: snap, MachineConfig: "machine.config",
//		Device: "/dev/sda5", Format: true, Boot: "/boot", Version: "12.3",
//		In: os.Stdin, Out: os.Stdout,
//	})
package install
