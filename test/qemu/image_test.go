package qemu

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/xlapp/xbuild/install"
	"github.com/xlapp/xbuild/install/bootloader"
	"github.com/xlapp/xbuild/install/hostinfo"
)

const (
	hostUUID  = "1b2c3d4e-0001-4000-8000-00000000b007"
	xlappUUID = "1b2c3d4e-0002-4000-8000-0000000000a2"
	partMiB   = 96
	// diskID is the MBR disk signature, so the XLAPP partition's PARTUUID
	// is diskID-02.
	diskID        = "1b2c3d4e"
	xlappPartUUID = diskID + "-02"
	// Markers on the serial console.
	markHostGRUB  = "XBUILD-TEST: grub host entry"
	markHostUp    = "XBUILD-TEST: host up"
	markXLAPPUp   = "XBUILD-TEST: xlapp up"
	markTrialGRUB = "xbuild: booting XLAPP as a trial"
	markTrusted   = "xbuild: booting XLAPP;"
	markTrial     = "xlapp-watchdog: TRIAL BOOT"
)

// need returns the path of a tool, failing under CI and skipping otherwise.
func need(t *testing.T, tool, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		for _, dir := range []string{"/usr/sbin", "/sbin"} {
			if _, serr := os.Stat(filepath.Join(dir, tool)); serr == nil {
				return filepath.Join(dir, tool)
			}
		}
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (apt package %s) is needed: %v", tool, pkg, err)
		}
		t.Skipf("%s (apt package %s) not installed", tool, pkg)
	}
	return p
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func sh(t *testing.T, dir, script string) string {
	t.Helper()
	return run(t, dir, "sh", "-ec", script)
}

func cacheDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("XBUILD_TEST_CACHE")
	if dir == "" {
		dir = "/var/cache/xbuild-test"
	}
	dir = filepath.Join(dir, "qemu")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		ucd, uerr := os.UserCacheDir()
		if uerr != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(ucd, "xbuild-test", "qemu")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// kernel is Debian's kernel package, unpacked.
type kernel struct {
	Release string // "6.1.0-57-amd64"
	Dir     string // the unpacked package
}

func (k *kernel) vmlinuz() string { return filepath.Join(k.Dir, "boot", "vmlinuz-"+k.Release) }
func (k *kernel) modules() string { return filepath.Join(k.Dir, "lib/modules", k.Release) }

var kernelOnce struct {
	sync.Mutex
	k *kernel
}

// debianKernel downloads (once, into the cache) the package that
// linux-image-amd64 depends on, with apt-get download, and unpacks it.
func debianKernel(t *testing.T) *kernel {
	t.Helper()
	kernelOnce.Lock()
	defer kernelOnce.Unlock()
	if kernelOnce.k != nil {
		return kernelOnce.k
	}
	need(t, "apt-get", "apt")
	need(t, "dpkg-deb", "dpkg")
	cache := cacheDir(t)
	debs, _ := filepath.Glob(filepath.Join(cache, "linux-image-*-amd64_*.deb"))
	if len(debs) == 0 {
		deps := run(t, cache, "apt-cache", "depends", "linux-image-amd64")
		pkg := ""
		for _, l := range strings.Split(deps, "\n") {
			if f := strings.Fields(l); len(f) == 2 && f[0] == "Depends:" && strings.HasPrefix(f[1], "linux-image-") {
				pkg = f[1]
			}
		}
		if pkg == "" {
			t.Fatalf("no kernel package in apt-cache depends linux-image-amd64:\n%s", deps)
		}
		run(t, cache, "apt-get", "download", pkg)
		debs, _ = filepath.Glob(filepath.Join(cache, "linux-image-*-amd64_*.deb"))
		if len(debs) == 0 {
			t.Fatalf("apt-get download %s left no .deb in %s", pkg, cache)
		}
	}
	sort.Strings(debs)
	deb := debs[len(debs)-1]
	dir := strings.TrimSuffix(deb, ".deb") + ".unpacked"
	if _, err := os.Stat(filepath.Join(dir, ".done")); err != nil {
		os.RemoveAll(dir)
		run(t, cache, "dpkg-deb", "-x", deb, dir)
		os.WriteFile(filepath.Join(dir, ".done"), nil, 0o644)
	}
	vm, _ := filepath.Glob(filepath.Join(dir, "boot", "vmlinuz-*"))
	if len(vm) != 1 {
		t.Fatalf("want one kernel in %s, found %v", deb, vm)
	}
	kernelOnce.k = &kernel{Release: strings.TrimPrefix(filepath.Base(vm[0]), "vmlinuz-"), Dir: dir}
	return kernelOnce.k
}

// busyboxTree makes dir a minimal busybox system: /bin/busybox and a link
// per applet in /bin, plus /sbin/init.
func busyboxTree(t *testing.T, dir string) {
	t.Helper()
	bb := need(t, "busybox", "busybox-static")
	for _, d := range []string{"bin", "sbin", "dev", "proc", "sys", "run", "tmp", "etc", "root", "mnt"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, a := range strings.Fields(run(t, dir, bb, "--list")) {
		if a != "busybox" {
			os.Symlink("busybox", filepath.Join(dir, "bin", a))
		}
	}
	os.Symlink("../bin/busybox", filepath.Join(dir, "sbin/init"))
	os.Symlink("../bin/busybox", filepath.Join(dir, "sbin/modprobe"))
	os.Symlink("bin", filepath.Join(dir, "usr")) // /usr/bin, /usr/sbin resolve to /bin
}

func writeFiles(t *testing.T, root string, files map[string]string, mode os.FileMode) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// cpio packs dir as a gzip'ed newc initramfs.
func cpio(t *testing.T, dir, out string) {
	t.Helper()
	need(t, "cpio", "cpio")
	sh(t, dir, fmt.Sprintf("find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -1 > %q", out))
}

// hostInitrd is the tiny host system: it says it is up and powers off.
func hostInitrd(t *testing.T, out string) {
	t.Helper()
	dir := t.TempDir()
	busyboxTree(t, dir)
	writeFiles(t, dir, map[string]string{"init": "#!/bin/sh\n" +
		"mount -t proc proc /proc\n" +
		"echo '" + markHostUp + "'\n" +
		"poweroff -f\n"}, 0o755)
	cpio(t, dir, out)
}

// xlappInitrd loads the disk, file system and watchdog modules (the
// softdog with the parameters from the kernel command line, as if it were
// built in), mounts root=UUID= and switches to it.
func xlappInitrd(t *testing.T, k *kernel, out string) {
	t.Helper()
	dir := t.TempDir()
	busyboxTree(t, dir)
	mods := filepath.Join(dir, "lib/modules", k.Release)
	for _, m := range []string{
		"drivers/ata/ata_piix.ko", "drivers/ata/libata.ko", "drivers/scsi/scsi_mod.ko",
		"drivers/scsi/scsi_common.ko", "drivers/scsi/sd_mod.ko", "block/t10-pi.ko",
		"lib/crc-t10dif.ko", "crypto/crct10dif_common.ko", "crypto/crct10dif_generic.ko",
		"lib/crc64-rocksoft.ko", "lib/crc64.ko", "crypto/crc64_rocksoft_generic.ko",
		"fs/ext4/ext4.ko", "fs/jbd2/jbd2.ko", "fs/mbcache.ko", "lib/crc16.ko",
		"crypto/crc32c_generic.ko", "drivers/watchdog/watchdog.ko", "drivers/watchdog/softdog.ko",
	} {
		data, err := os.ReadFile(filepath.Join(k.modules(), "kernel", m))
		if err != nil {
			t.Fatal(err)
		}
		writeFiles(t, mods, map[string]string{"kernel/" + m: string(data)}, 0o644)
	}
	run(t, dir, "busybox", "depmod", "-b", dir, k.Release)
	writeFiles(t, dir, map[string]string{"init": `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in ata_piix sd_mod crc32c_generic ext4; do modprobe $m; done
# Parameters of the watchdog modules come from the kernel command line, as
# for a built-in softdog.
wd= sd=
for a in $(cat /proc/cmdline); do
	case $a in
	watchdog.*) wd="$wd ${a#watchdog.}" ;;
	softdog.*) sd="$sd ${a#softdog.}" ;;
	esac
done
if [ -n "$sd" ]; then
	modprobe watchdog $wd
	modprobe softdog $sd
fi
root=
for a in $(cat /proc/cmdline); do
	case $a in root=*) root=${a#root=} ;; esac
done
mkdir -p /newroot
i=0
until dev=$(findfs "$root" 2>/dev/null) && mount -t ext4 "$dev" /newroot; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "XBUILD-TEST: no root $root"; break; }
	sleep 0.2
done
umount /sys /proc
mount --move /dev /newroot/dev 2>/dev/null || umount /dev
exec switch_root /newroot /sbin/init
`}, 0o755)
	cpio(t, dir, out)
}

// variant changes the test XLAPP to show one failure.
type variant string

const (
	normal variant = "normal"
	panics variant = "panic" // no /sbin/init: the kernel panics
	hangs  variant = "hang"  // a boot script hangs before xlapp-watchdog
)

// xlappTree is the system the test installs, as the final stage would
// leave it: a busybox userland, Debian's kernel and an initramfs in /boot,
// and the real xlapp-watchdog in the LFS boot script layout.
func xlappTree(t *testing.T, k *kernel, v variant) string {
	t.Helper()
	dir := t.TempDir()
	busyboxTree(t, dir)
	data, err := os.ReadFile(k.vmlinuz())
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"boot/vmlinuz-" + k.Release: string(data)}, 0o644)
	xlappInitrd(t, k, filepath.Join(dir, "boot", "initrd.img-"+k.Release))
	script, err := os.ReadFile("../../manifests/xlapp/files/xlapp-watchdog")
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{
		"etc/rc.d/init.d/xlapp-watchdog": string(script),
		"etc/rc.d/rcS": `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs run /run
mount -o remount,rw /
hostname -F /etc/hostname
trial=no
grep -q xlapp.trial=1 /proc/cmdline && trial=yes
echo "` + markXLAPPUp + ` trial=$trial"
for s in /etc/rc.d/rc3.d/S*; do
	[ -x "$s" ] && "$s" start
done
`,
	}, 0o755)
	writeFiles(t, dir, map[string]string{
		"etc/inittab": "::sysinit:/etc/rc.d/rcS\n" +
			"ttyS0::respawn:/bin/getty -L 115200 ttyS0 vt100\n" +
			"::ctrlaltdel:/bin/reboot\n" +
			"::shutdown:/bin/umount -a -r\n",
		"etc/passwd":  "root:x:0:0:root:/root:/bin/sh\n",
		"etc/group":   "root:x:0:\n",
		"etc/shadow":  "root:*:20000:0:99999:7:::\n",
		"etc/profile": "PS1='xlapp# '\nexport PS1\n",
		"etc/fstab":   "proc /proc proc defaults 0 0\n",
	}, 0o644)
	os.Chmod(filepath.Join(dir, "etc/shadow"), 0o600)
	os.MkdirAll(filepath.Join(dir, "etc/rc.d/rc3.d"), 0o755)
	os.Symlink("../init.d/xlapp-watchdog", filepath.Join(dir, "etc/rc.d/rc3.d/S99xlapp-watchdog"))
	// /usr is a link to /bin here, so this is /usr/sbin/xlapp-watchdog too.
	os.Symlink("../etc/rc.d/init.d/xlapp-watchdog", filepath.Join(dir, "bin/xlapp-watchdog"))
	switch v {
	case panics:
		os.Remove(filepath.Join(dir, "sbin/init"))
	case hangs:
		writeFiles(t, dir, map[string]string{"etc/rc.d/rc3.d/S50hang": "#!/bin/sh\necho 'XBUILD-TEST: a boot script hangs'\nwhile :; do sleep 1000; done\n"}, 0o755)
	}
	return dir
}

// hostTree is the host partition: GRUB 2 with a Debian-style grub.cfg
// (GRUB_DEFAULT=saved, next_entry handling, 41_custom), its modules, and
// the tiny host system.
func hostTree(t *testing.T, k *kernel) string {
	t.Helper()
	dir := t.TempDir()
	grub := filepath.Join(dir, "boot/grub")
	os.MkdirAll(filepath.Join(grub, "i386-pc"), 0o755)
	mods, _ := filepath.Glob("/usr/lib/grub/i386-pc/*")
	for _, m := range mods {
		if strings.HasSuffix(m, ".mod") || strings.HasSuffix(m, ".lst") {
			data, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(grub, "i386-pc", filepath.Base(m)), data, 0o644)
		}
	}
	data, err := os.ReadFile(k.vmlinuz())
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"boot/vmlinuz-host": string(data), "boot/grub/grub.cfg": hostGrubCfg}, 0o644)
	hostInitrd(t, filepath.Join(dir, "boot/initrd-host"))
	env := bootloader.NewEnv()
	env.Set("saved_entry", "host")
	envData, err := env.Encode()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(grub, "grubenv"), envData, 0o644)
	return dir
}

// hostGrubCfg is what grub-mkconfig writes with GRUB_DEFAULT=saved,
// GRUB_TIMEOUT=0 and a serial terminal, trimmed to the parts that matter.
const hostGrubCfg = `serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
### BEGIN /etc/grub.d/00_header ###
if [ -s $prefix/grubenv ]; then
  set have_grubenv=true
  load_env
fi
if [ "${next_entry}" ] ; then
   set default="${next_entry}"
   set next_entry=
   save_env next_entry
   set boot_once=true
else
   set default="${saved_entry}"
fi
if [ x"${feature_menuentry_id}" = xy ]; then
  menuentry_id_option="--id"
else
  menuentry_id_option=""
fi
export menuentry_id_option
function savedefault {
  if [ -z "${boot_once}" ]; then
    saved_entry="${chosen}"
    save_env saved_entry
  fi
}
set timeout=0
### END /etc/grub.d/00_header ###
### BEGIN /etc/grub.d/10_linux ###
menuentry 'Host' $menuentry_id_option 'host' {
	echo '` + markHostGRUB + `'
	insmod ext2
	search --no-floppy --fs-uuid --set=root ` + hostUUID + `
	linux /boot/vmlinuz-host console=ttyS0,115200 quiet
	initrd /boot/initrd-host
}
### END /etc/grub.d/10_linux ###
### BEGIN /etc/grub.d/41_custom ###
if [ -f  ${config_directory}/custom.cfg ]; then
  source ${config_directory}/custom.cfg
elif [ -z "${config_directory}" -a -f  $prefix/custom.cfg ]; then
  source $prefix/custom.cfg
fi
### END /etc/grub.d/41_custom ###
`

// image is one bootable disk image with xbuild's install done.
type image struct {
	Path     string
	HostBoot string // the host tree's /boot, after install
	Target   string // the installed XLAPP tree
	Result   *install.Result
}

// spec says what to install.
type spec struct {
	variant  variant
	watchdog install.Watchdog
	xen      bool // add Debian's Xen hypervisor and arm the Xen trial
	// system, if set, installs a really built base stage instead of the
	// busybox test system, through the xbuild CLI from a store, as a user
	// would; its own kernel boots, without an initramfs.
	system *builtSystem
}

// builtSystem names a built stage: the store holding it, its manifest.
type builtSystem struct {
	Store, Manifest, Stage string
	SSHKey                 string // root's public key for machine.config
	// FromDir, if set, is installed with --from-dir instead of Stage
	// (a restored stage with something added).
	FromDir string
}

// buildImage installs the test XLAPP into a fresh host's /boot and a target
// directory with install.Install, then makes the partitions with
// mkfs.ext4 -d and the disk with sfdisk, boot.img and core.img.
func buildImage(t *testing.T, s spec) *image {
	t.Helper()
	mkfs := need(t, "mkfs.ext4", "e2fsprogs")
	sfdisk := need(t, "sfdisk", "fdisk")
	mkimage := need(t, "grub-mkimage", "grub-common")
	if _, err := os.Stat("/usr/lib/grub/i386-pc/boot.img"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GRUB's i386-pc images (apt package grub-pc-bin) are needed")
		}
		t.Skip("grub-pc-bin not installed")
	}
	k := debianKernel(t)
	host := hostTree(t, k)
	target := t.TempDir()
	var res *install.Result
	xlappMiB := partMiB
	if s.system != nil {
		installBuilt(t, s, host, target)
		// room for the tree, as mkfs.ext4 -d needs it, and some to spare
		var used int
		if _, err := fmt.Sscan(run(t, target, "du", "-sm", "."), &used); err != nil {
			t.Fatalf("du %s: %v", target, err)
		}
		xlappMiB = used*5/4 + 256
	} else {
		res = installTest(t, s, k, host, target)
	}

	dir := t.TempDir()
	img := &image{Path: filepath.Join(dir, "disk.img"), HostBoot: filepath.Join(host, "boot"), Target: target, Result: res}
	p1, p2 := filepath.Join(dir, "p1.img"), filepath.Join(dir, "p2.img")
	run(t, dir, mkfs, "-q", "-F", "-L", "HOST", "-U", hostUUID, "-d", host, p1, fmt.Sprintf("%dM", partMiB))
	run(t, dir, mkfs, "-q", "-F", "-L", "XLAPP", "-U", xlappUUID, "-d", target, p2, fmt.Sprintf("%dM", xlappMiB))
	core := filepath.Join(dir, "core.img")
	run(t, dir, mkimage, "-O", "i386-pc", "-o", core, "-p", "(hd0,msdos1)/boot/grub",
		"biosdisk", "part_msdos", "ext2", "normal", "linux", "echo", "configfile", "loadenv",
		"search", "search_fs_uuid", "test", "serial", "terminal", "gzio", "multiboot2", "sleep", "reboot", "halt")
	const start1 = 2048
	start2 := start1 + partMiB*2048
	size := int64(start2+xlappMiB*2048+2048) * 512
	f, err := os.Create(img.Path)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(size)
	f.Close()
	layout := fmt.Sprintf("label: dos\nlabel-id: 0x%s\nstart=%d, size=%d, type=83, bootable\nstart=%d, size=%d, type=83\n",
		diskID, start1, partMiB*2048, start2, xlappMiB*2048)
	cmd := exec.Command(sfdisk, "-q", img.Path)
	cmd.Stdin = strings.NewReader(layout)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sfdisk: %v\n%s", err, out)
	}
	// boot.img's code goes in the MBR before the partition table; core.img
	// right after it (boot.img's default kernel sector is 1, and core.img's
	// default block list continues at sector 2).
	bootImg, err := os.ReadFile("/usr/lib/grub/i386-pc/boot.img")
	if err != nil {
		t.Fatal(err)
	}
	coreImg, err := os.ReadFile(core)
	if err != nil {
		t.Fatal(err)
	}
	if len(coreImg) > (start1-1)*512 {
		t.Fatalf("core.img (%d bytes) does not fit before the first partition", len(coreImg))
	}
	f, err = os.OpenFile(img.Path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		data []byte
		off  int64
	}{{bootImg[:440], 0}, {coreImg, 512}} {
		if _, err := f.WriteAt(w.data, w.off); err != nil {
			t.Fatal(err)
		}
	}
	// The partitions are copied, not read whole: a built system's is GBs.
	for _, p := range []struct {
		path string
		off  int64
	}{{p1, start1 * 512}, {p2, int64(start2) * 512}} {
		src, err := os.Open(p.path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(io.NewOffsetWriter(f, p.off), src)
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(p.path)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return img
}

// installTest installs the busybox test system with install.Install.
func installTest(t *testing.T, s spec, k *kernel, host, target string) *install.Result {
	t.Helper()
	tree := xlappTree(t, k, s.variant)
	if s.xen {
		xenTo(t, filepath.Join(tree, "boot"))
	}
	snap, err := install.NewDirSnapshot(context.Background(), tree)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := install.Install(context.Background(), install.Options{
		Snapshot: snap, MachineConfig: machineConfig(t),
		Target: target, TargetUUID: xlappUUID, TargetPartUUID: xlappPartUUID,
		Boot: filepath.Join(host, "boot"), BootUUID: hostUUID, BootPrefix: "/boot",
		Version: "12.3", Cmdline: "console=ttyS0,115200 quiet", Watchdog: s.watchdog, Yes: true, Out: &out,
		Xen: s.xen, XenArgs: "dom0_mem=512M,max:512M dom0_max_vcpus=1 com1=115200,8n1 console=com1",
		XenDom0Args: "console=hvc0 quiet",
		// The host is the image being built, not this machine.
		Host: &hostinfo.Facts{Mounts: []hostinfo.Mount{{MajMin: "0:0", Root: "/", Point: "/", FSType: "ext4"}}},
	})
	if err != nil {
		t.Fatalf("install: %v\n%s", err, out.String())
	}
	t.Logf("install output:\n%s", out.String())

	return res
}

// installBuilt installs a built stage with "xbuild install --target",
// the CLI a user runs, into target and the host tree's /boot.
func installBuilt(t *testing.T, s spec, host, target string) {
	t.Helper()
	bin := buildXbuild(t)
	config := machineConfig(t)
	if s.system.SSHKey != "" {
		config = machineConfigKey(t, s.system.SSHKey)
	}
	from := []string{"--stage", s.system.Stage}
	if s.system.FromDir != "" {
		from = []string{"--from-dir", s.system.FromDir}
	}
	args := append([]string{"--store", s.system.Store, "--manifest", s.system.Manifest, "install"}, from...)
	args = append(args, "--target", target, "--target-uuid", xlappUUID, "--target-partuuid", xlappPartUUID,
		"--boot", filepath.Join(host, "boot"), "--boot-uuid", hostUUID, "--boot-prefix", "/boot",
		"--config", config, "--cmdline", "console=ttyS0,115200", "--yes")
	if s.xen {
		args = append(args, "--xen", "--xen-args", "dom0_mem=512M,max:512M dom0_max_vcpus=1 com1=115200,8n1 console=com1",
			"--dom0-cmdline", "console=hvc0")
	}
	if s.watchdog.Timeout != 0 {
		args = append(args, "--watchdog", s.watchdog.Timeout.String())
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	t.Logf("xbuild %s:\n%s", strings.Join(args, " "), out)
	if err != nil {
		t.Fatalf("xbuild install: %v", err)
	}
}

// grubenv reads the host's GRUB environment block after the install.
func (img *image) grubenv(t *testing.T) *bootloader.Env {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(img.HostBoot, "grub/grubenv"))
	if err != nil {
		t.Fatal(err)
	}
	env, err := bootloader.ParseEnv(data)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// armed is the entry the image's next boot starts once (next_entry).
func (img *image) armed(t *testing.T) string {
	t.Helper()
	v, _ := img.grubenv(t).Get("next_entry")
	return v
}

// buildXbuild builds the xbuild CLI for this test.
func buildXbuild(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "xbuild")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/xbuild").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// xenTo puts Debian's Xen hypervisor (apt-get download
// xen-hypervisor-4.17-amd64, cached) into dir as xen-4.17-amd64.gz.
func xenTo(t *testing.T, dir string) {
	t.Helper()
	need(t, "apt-get", "apt")
	cache := cacheDir(t)
	debs, _ := filepath.Glob(filepath.Join(cache, "xen-hypervisor-4.17-amd64_*.deb"))
	if len(debs) == 0 {
		run(t, cache, "apt-get", "download", "xen-hypervisor-4.17-amd64")
		debs, _ = filepath.Glob(filepath.Join(cache, "xen-hypervisor-4.17-amd64_*.deb"))
	}
	if len(debs) == 0 {
		t.Fatal("no xen-hypervisor-4.17-amd64 package")
	}
	sort.Strings(debs)
	x := t.TempDir()
	run(t, cache, "dpkg-deb", "-x", debs[len(debs)-1], x)
	data, err := os.ReadFile(filepath.Join(x, "boot/xen-4.17-amd64.gz"))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"xen-4.17-amd64.gz": string(data)}, 0o644)
}
