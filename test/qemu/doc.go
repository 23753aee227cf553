// Package qemu proves "xbuild install" by booting disk images in QEMU.
//
// Each test builds a BIOS disk image without root: a "host" partition
// holding GRUB 2 (core.img from grub-mkimage written after the MBR, boot.img
// in the MBR), a Debian-style grub.cfg and a tiny busybox host system, and a
// second partition that install.Install fills with a test XLAPP: Debian's
// kernel (taken from its package, for the test only) with a busybox
// userland and the real xlapp-watchdog script. Install writes its entries
// into the host partition's /boot before mkfs.ext4 -d turns the trees into
// file systems. QEMU (TCG, serial console on a pipe) then boots the image
// and the test follows markers on the console: the trial always ends in the
// host — after the watchdog's timeout, a kernel panic, a hung userspace, or
// a power cut — unless "xlapp-watchdog stop" keeps it, and "uninstall"
// makes XLAPP the default.
//
// The tests fail (not skip) when CI is set and a tool is missing. Kernel
// packages are cached in $XBUILD_TEST_CACHE (default /var/cache/xbuild-test).
// The Xen boot (phase 2) is behind the build tag e2e.
package qemu
