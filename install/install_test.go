package install

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xlapp/xbuild/install/bootloader"
	"github.com/xlapp/xbuild/install/hostinfo"
	"github.com/xlapp/xbuild/internal/sha512crypt"
	"github.com/xlapp/xbuild/machine"
)

const (
	testPassword = "trial-and-error"
	testKey      = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID1spwNM9umEIxZ+I4E5gDZvTy7omNJhxFDQFkfSpGwP test@xbuild"
	targetUUID   = "7d0c8a2e-2b9f-4e61-a1c3-5b8f9e0d1a22"
	bootUUID     = "3a4b5c6d-0000-4111-8222-933344455566"
)

// writeMachineConfig saves a valid machine.config and returns its path.
func writeMachineConfig(t *testing.T) string {
	t.Helper()
	h, err := sha512crypt.New([]byte(testPassword), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c := &machine.Config{Hostname: "xlapp1", Domain: "example.org", Interface: "eth0",
		Address: netip.MustParsePrefix("192.0.2.10/24"), Gateway: netip.MustParseAddr("192.0.2.1"),
		DNS: []netip.Addr{netip.MustParseAddr("192.0.2.53")}, RootHash: h, SSHKey: testKey}
	p := filepath.Join(t.TempDir(), "machine.config")
	if err := machine.Save(p, c); err != nil {
		t.Fatal(err)
	}
	return p
}

// makeTree writes a small system tree like the final stage's.
func makeTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"boot/vmlinuz-6.13.4-lfs-12.3": "kernel image",
		"boot/initrd.img-6.13.4":       "initrd image",
		"etc/shadow":                   "root:*:20000:0:99999:7:::\n",
		"etc/fstab":                    "# fstab\n/dev/<xxx> / ext4 defaults 1 1\n",
		"etc/passwd":                   "root:x:0:0:root:/root:/bin/bash\n",
		"usr/bin/true":                 "#!/bin/sh\n",
	}
	for p, c := range files {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(dir, "etc/shadow"), 0o600)
	script, err := os.ReadFile("../manifests/xlapp/files/xlapp-watchdog")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "etc/rc.d/init.d"), 0o755)
	os.WriteFile(filepath.Join(dir, "etc/rc.d/init.d/xlapp-watchdog"), script, 0o755)
	os.MkdirAll(filepath.Join(dir, "usr/sbin"), 0o755)
	os.Symlink("../../etc/rc.d/init.d/xlapp-watchdog", filepath.Join(dir, "usr/sbin/xlapp-watchdog"))
	os.Symlink("usr/bin", filepath.Join(dir, "bin"))
	return dir
}

// makeBoot writes a host /boot with a Debian-style GRUB 2 setup.
func makeBoot(t *testing.T) string {
	t.Helper()
	boot := t.TempDir()
	os.MkdirAll(filepath.Join(boot, "grub"), 0o755)
	cfg, err := os.ReadFile("testdata/grub.cfg")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(boot, "grub/grub.cfg"), cfg, 0o444)
	env := bootloader.NewEnv()
	env.Set("saved_entry", "gnulinux-simple")
	data, _ := env.Encode()
	os.WriteFile(filepath.Join(boot, "grub/grubenv"), data, 0o644)
	os.WriteFile(filepath.Join(boot, "grub/custom.cfg"), []byte("menuentry 'My rescue' {\n}\n"), 0o644)
	os.WriteFile(filepath.Join(boot, "vmlinuz-6.1.0-57-amd64"), []byte("host kernel"), 0o644)
	// A stale link from an earlier, undone install of the same version.
	os.Symlink("vmlinuz-6.1.0-57-amd64", filepath.Join(boot, "vmlinuz-6.13.4-lfs-12.3"))
	return boot
}

// fakeHost is a host whose root is /dev/sda2 and whose boot is /dev/sda1
// mounted on boot (a temporary directory).
func fakeHost(boot string) *hostinfo.Facts {
	return &hostinfo.Facts{
		Mounts: []hostinfo.Mount{
			{MajMin: "8:2", Root: "/", Point: "/", FSType: "ext4", Source: "/dev/sda2"},
			{MajMin: "8:1", Root: "/", Point: boot, FSType: "ext4", Source: "/dev/sda1"},
			{MajMin: "8:6", Root: "/", Point: "/mnt/data", FSType: "ext4", Source: "/dev/sda6"},
		},
		Devices: []hostinfo.Device{
			{Path: "/dev/sda", MajMin: "8:0", Size: 100 << 30, Type: "disk",
				Kids: []string{"/dev/sda1", "/dev/sda2", "/dev/sda5", "/dev/sda6", "/dev/sda7", "/dev/sda8", "/dev/sda9"}},
			{Path: "/dev/sda1", MajMin: "8:1", Size: 1 << 30, Type: "part", FSType: "ext4", UUID: bootUUID, Parent: "/dev/sda"},
			{Path: "/dev/sda2", MajMin: "8:2", Size: 40 << 30, Type: "part", FSType: "ext4", UUID: "root-uuid", Parent: "/dev/sda"},
			{Path: "/dev/sda5", MajMin: "8:5", Size: 20 << 30, Type: "part", FSType: "ext4", Label: "old", UUID: targetUUID, Parent: "/dev/sda"},
			{Path: "/dev/sda6", MajMin: "8:6", Size: 20 << 30, Type: "part", FSType: "ext4", Parent: "/dev/sda"},
			{Path: "/dev/sda7", MajMin: "8:7", Size: 1 << 20, Type: "part", FSType: "ext4", Parent: "/dev/sda"},
			{Path: "/dev/sda8", MajMin: "8:8", Size: 20 << 30, Type: "part", FSType: "LVM2_member", Parent: "/dev/sda"},
			{Path: "/dev/sda9", MajMin: "8:9", Size: 20 << 30, Type: "part", Parent: "/dev/sda"},
			{Path: "/dev/sdb", MajMin: "8:16", Size: 100 << 30, Type: "disk"},
			{Path: "/dev/mapper/vg-boot", MajMin: "253:1", Size: 1 << 30, Type: "lvm", FSType: "ext4", UUID: "lvm-uuid"},
			{Path: "/dev/md0", MajMin: "9:0", Size: 1 << 30, Type: "raid1", FSType: "ext4", UUID: "md-uuid"},
		},
	}
}

// treeState is a byte-exact listing of a directory tree.
func treeState(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		info, _ := d.Info()
		line := fmt.Sprintf("%s %v", rel, info.Mode())
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			line += " -> " + l
		case info.Mode().IsRegular():
			data, _ := os.ReadFile(p)
			line += fmt.Sprintf(" %x", sha256.Sum256(data))
		}
		lines = append(lines, line)
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func baseOptions(t *testing.T) (Options, string, string) {
	t.Helper()
	boot := makeBoot(t)
	snap, err := NewDirSnapshot(context.Background(), makeTree(t))
	if err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	return Options{
		Snapshot: snap, MachineConfig: writeMachineConfig(t),
		Target: target, TargetUUID: targetUUID, Boot: boot, Version: "12.3",
		Yes: true, Host: fakeHost(boot), Out: &bytes.Buffer{},
		Now: func() time.Time { return time.Date(2026, 11, 30, 4, 5, 6, 0, time.UTC) },
	}, boot, target
}

// TestRefusals checks every refusal, and that after each nothing changed in
// the host's /boot or the target.
func TestRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, o *Options)
		want  error
	}{
		{"missing machine.config", func(t *testing.T, o *Options) { o.MachineConfig = filepath.Join(t.TempDir(), "machine.config") }, ErrNoMachineConfig},
		{"invalid machine.config", func(t *testing.T, o *Options) {
			os.WriteFile(o.MachineConfig, []byte("hostname: -x\n"), 0o600)
		}, machine.ErrInvalid},
		{"device and target", func(t *testing.T, o *Options) { o.Device = "/dev/sda5" }, ErrBadOptions},
		{"no such device", func(t *testing.T, o *Options) { o.Target, o.Device = "", "/dev/sdz1" }, ErrNoDevice},
		{"host root device", func(t *testing.T, o *Options) { o.Target, o.Device = "", "/dev/sda2" }, ErrHostRoot},
		{"disk holding host root", func(t *testing.T, o *Options) { o.Target, o.Device, o.WholeDisk = "", "/dev/sda", true }, ErrHostRoot},
		{"host boot device", func(t *testing.T, o *Options) { o.Target, o.Device = "", "/dev/sda1" }, ErrHostBoot},
		{"mounted device", func(t *testing.T, o *Options) { o.Target, o.Device = "", "/dev/sda6" }, ErrMounted},
		{"whole disk", func(t *testing.T, o *Options) { o.Target, o.Device = "", "/dev/sdb" }, ErrWholeDisk},
		{"device too small", func(t *testing.T, o *Options) { o.Target, o.Device = "", "/dev/sda7" }, ErrTooSmall},
		{"lvm member", func(t *testing.T, o *Options) { o.Target, o.Device, o.Format = "", "/dev/sda8", true }, ErrInUse},
		{"no file system", func(t *testing.T, o *Options) { o.Target, o.Device = "", "/dev/sda9" }, ErrNoFilesystem},
		{"target is /", func(t *testing.T, o *Options) { o.Target = "/" }, ErrHostRoot},
		{"target inside boot", func(t *testing.T, o *Options) {
			o.Target = filepath.Join(o.Boot, "x")
			os.Mkdir(o.Target, 0o755)
		}, ErrHostBoot},
		{"target not empty", func(t *testing.T, o *Options) { os.WriteFile(filepath.Join(o.Target, "x"), nil, 0o644) }, ErrNotEmpty},
		{"target without uuid", func(t *testing.T, o *Options) { o.TargetUUID = "" }, ErrBadOptions},
		{"grub on btrfs", func(t *testing.T, o *Options) { o.Host.Mounts[1].FSType = "btrfs" }, ErrGrubEnvUnwritable},
		{"grub on lvm", func(t *testing.T, o *Options) { o.Host.Mounts[1].MajMin = "253:1" }, ErrGrubEnvUnwritable},
		{"grub on raid", func(t *testing.T, o *Options) { o.Host.Mounts[1].MajMin = "9:0" }, ErrGrubEnvUnwritable},
		{"grub.cfg without next_entry", func(t *testing.T, o *Options) {
			p := filepath.Join(o.Boot, "grub/grub.cfg")
			cfg, _ := os.ReadFile(p)
			os.Chmod(p, 0o644)
			os.WriteFile(p, bytes.ReplaceAll(cfg, []byte("save_env next_entry"), nil), 0o444)
		}, bootloader.ErrNoNextEntry},
		{"grub.cfg without custom.cfg", func(t *testing.T, o *Options) {
			p := filepath.Join(o.Boot, "grub/grub.cfg")
			cfg, _ := os.ReadFile(p)
			os.Chmod(p, 0o644)
			os.WriteFile(p, bytes.ReplaceAll(cfg, []byte("source"), []byte("#source")), 0o444)
		}, bootloader.ErrNoCustomCfg},
		{"no boot loader", func(t *testing.T, o *Options) { os.Remove(filepath.Join(o.Boot, "grub/grub.cfg")) }, ErrNoBootloader},
		{"corrupt snapshot", func(t *testing.T, o *Options) {
			s := o.Snapshot.(*DirSnapshot)
			os.WriteFile(filepath.Join(s.dir, "etc/passwd"), []byte("root::0:0::/:/bin/sh\n"), 0o644)
		}, ErrCorrupt},
		{"half-typed confirmation", func(t *testing.T, o *Options) {
			o.Yes, o.In = false, strings.NewReader(o.Target[:len(o.Target)-2]+"\n")
		}, ErrNotConfirmed},
		{"no confirmation", func(t *testing.T, o *Options) { o.Yes, o.In = false, strings.NewReader("") }, ErrNotConfirmed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, boot, target := baseOptions(t)
			tt.setup(t, &o)
			bootBefore, targetBefore := treeState(t, boot), treeState(t, target)
			res, err := Install(context.Background(), o)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Install = %v, %v; want %v", res, err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if treeState(t, boot) != bootBefore {
				t.Error("host /boot changed")
			}
			if treeState(t, target) != targetBefore {
				t.Error("target changed")
			}
		})
	}
}

func TestDryRun(t *testing.T) {
	o, boot, target := baseOptions(t)
	o.Target, o.Device, o.DryRun = "", "/dev/sda5", true
	out := &bytes.Buffer{}
	o.Out = out
	bootBefore, targetBefore := treeState(t, boot), treeState(t, target)
	if _, err := Install(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/dev/sda5 (20.0 GiB)", `label "old"`, targetUUID, o.Snapshot.Digest().String(), "grubenv (next_entry=xlapp-trial)", "Dry run: nothing was written", "GRUB_DEFAULT=saved"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if treeState(t, boot) != bootBefore || treeState(t, target) != targetBefore {
		t.Error("dry run wrote")
	}
}

func TestInstallAndUndoGRUB2(t *testing.T) {
	o, boot, target := baseOptions(t)
	o.Yes, o.In = false, strings.NewReader(target+"\n")
	o.Cmdline = "console=ttyS0,115200"
	out := &bytes.Buffer{}
	o.Out = out
	before := treeState(t, boot)
	res, err := Install(context.Background(), o)
	if err != nil {
		t.Fatalf("Install: %v\n%s", err, out)
	}
	read := func(p string) string {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const kname = "vmlinuz-6.13.4-lfs-12.3-20261130_040506"
	if res.Kernel != filepath.Join(boot, kname) || read(res.Kernel) != "kernel image" {
		t.Fatalf("kernel %s", res.Kernel)
	}
	if l, _ := os.Readlink(filepath.Join(boot, "vmlinuz-6.13.4-lfs-12.3")); l != kname {
		t.Fatalf("symlink -> %s", l)
	}
	custom := read(filepath.Join(boot, "grub/custom.cfg"))
	for _, want := range []string{
		"menuentry 'My rescue' {", "--id xlapp-trial", "--id xlapp {",
		"search --no-floppy --fs-uuid --set=root " + bootUUID,
		"linux /" + kname + " root=UUID=" + targetUUID + " ro rootfstype=ext4 console=ttyS0,115200 panic=10 panic_on_oops=1 softdog.soft_active_on_boot=1 softdog.soft_margin=60 softdog.soft_panic=0 watchdog.open_timeout=300 xlapp.trial=1",
		"initrd /initrd-6.13.4-lfs-12.3-20261130_040506",
	} {
		if !strings.Contains(custom, want) {
			t.Errorf("custom.cfg lacks %q:\n%s", want, custom)
		}
	}
	env, err := bootloader.ParseEnv([]byte(read(filepath.Join(boot, "grub/grubenv"))))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := env.Get("next_entry"); v != TrialID {
		t.Errorf("next_entry = %q", v)
	}
	if v, _ := env.Get("saved_entry"); v != "gnulinux-simple" {
		t.Errorf("host default changed: saved_entry = %q", v)
	}
	if editenv, err := exec.LookPath("grub-editenv"); err == nil {
		got, err := exec.Command(editenv, filepath.Join(boot, "grub/grubenv"), "list").Output()
		if err != nil || !strings.Contains(string(got), "next_entry=xlapp-trial\n") {
			t.Errorf("grub-editenv list: %q %v", got, err)
		}
	}
	if _, err := os.Stat(filepath.Join(boot, BackupDir, "journal.json")); err != nil {
		t.Errorf("no journal: %v", err)
	}
	// The target: machine config applied, watchdog told where the host is.
	shadow := read(filepath.Join(target, "etc/shadow"))
	hash := strings.Split(shadow, ":")[1]
	if !sha512crypt.Verify([]byte(testPassword), hash) {
		t.Errorf("shadow hash does not verify: %q", shadow)
	}
	verifyWithGlibc(t, testPassword, hash)
	if fstab := read(filepath.Join(target, "etc/fstab")); !strings.Contains(fstab, "UUID="+targetUUID+" / ext4 defaults 1 1") {
		t.Errorf("fstab: %q", fstab)
	}
	conf := read(filepath.Join(target, WatchdogConf))
	for _, want := range []string{"BOOTLOADER=grub2\n", "HOST_BOOT_UUID=" + bootUUID + "\n", "HOST_GRUB_DIR=/grub\n", "TRIAL_ENTRY=xlapp-trial\n", "TRUSTED_ENTRY=xlapp\n", "TIMEOUT=30\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("watchdog.conf lacks %q:\n%s", want, conf)
		}
	}
	if !strings.Contains(out.String(), "xlapp-watchdog stop") || !strings.Contains(out.String(), kname) {
		t.Errorf("banner:\n%s", out)
	}

	// A second install keeps the original backups.
	o2, _, _ := baseOptions(t)
	o2.Boot, o2.Host, o2.Now = boot, fakeHost(boot), func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
	if _, err := Install(context.Background(), o2); err != nil {
		t.Fatal(err)
	}
	if err := Undo(context.Background(), UndoOptions{Boot: boot}); err != nil {
		t.Fatal(err)
	}
	if after := treeState(t, boot); after != before {
		t.Fatalf("undo is not byte for byte:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if err := Undo(context.Background(), UndoOptions{Boot: boot}); !errors.Is(err, ErrNothingToUndo) {
		t.Fatalf("second undo: %v", err)
	}
}

func TestInstallAndUndoLegacy(t *testing.T) {
	o, boot, _ := baseOptions(t)
	os.Remove(filepath.Join(boot, "grub/grub.cfg"))
	os.Remove(filepath.Join(boot, "grub/grubenv"))
	os.Remove(filepath.Join(boot, "grub/custom.cfg"))
	menu, _ := os.ReadFile("testdata/menu.lst")
	os.WriteFile(filepath.Join(boot, "grub/menu.lst"), menu, 0o644)
	before := treeState(t, boot)
	res, err := Install(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Armed != "2" {
		t.Fatalf("armed %q", res.Armed)
	}
	def, _ := os.ReadFile(filepath.Join(boot, "grub/default"))
	if !bytes.HasPrefix(def, []byte("2\n#\n")) {
		t.Fatalf("default file %q", def)
	}
	got, _ := os.ReadFile(filepath.Join(boot, "grub/menu.lst"))
	for _, want := range []string{"default saved\nfallback 0\n", "savedefault fallback", "root (hd0,0)\nkernel /vmlinuz-6.13.4-lfs-12.3-20261130_040506 root=UUID="} {
		if !strings.Contains(string(got), want) {
			t.Errorf("menu.lst lacks %q:\n%s", want, got)
		}
	}
	conf, _ := os.ReadFile(filepath.Join(o.Target, WatchdogConf))
	if !strings.Contains(string(conf), "TRIAL_ENTRY=2\nTRUSTED_ENTRY=3\n") {
		t.Errorf("watchdog.conf:\n%s", conf)
	}
	if err := Undo(context.Background(), UndoOptions{Boot: boot}); err != nil {
		t.Fatal(err)
	}
	if treeState(t, boot) != before {
		t.Fatal("undo is not byte for byte")
	}
}

// TestStatIn checks symlink resolution inside a tree, as the installed
// system will resolve its own links.
func TestStatIn(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/rc.d"), 0o755)
	os.MkdirAll(filepath.Join(root, "usr/sbin"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/rc.d/w"), []byte("#!/bin/sh\n"), 0o755)
	links := map[string]string{
		"usr/sbin/rel":      "../../etc/rc.d/w",
		"usr/sbin/abs":      "/etc/rc.d/w",
		"usr/sbin/up":       "../../../../../etc/rc.d/w", // ".." stops at root
		"usr/sbin/dangling": "../rc.d/w",
		"usr/sbin/host":     "/bin/sh", // this host has it; the tree does not
		"usr/sbin/loop":     "loop",
		"sbin":              "usr/sbin", // a link on the way
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		path string
		ok   bool
	}{
		{"etc/rc.d/w", true}, {"usr/sbin/rel", true}, {"usr/sbin/abs", true}, {"usr/sbin/up", true},
		{"sbin/abs", true}, {"usr/sbin/dangling", false}, {"usr/sbin/host", false}, {"usr/sbin/loop", false},
	}
	for _, tt := range tests {
		fi, err := statIn(root, tt.path)
		if got := err == nil && fi.Mode().IsRegular(); got != tt.ok {
			t.Errorf("statIn(%s) = %v, %v; want found %v", tt.path, fi, err, tt.ok)
		}
	}
}

func TestNoWatchdogInSnapshot(t *testing.T) {
	tests := []struct {
		name   string
		damage func(tree string)
	}{
		{"no init script", func(tree string) { os.Remove(filepath.Join(tree, "etc/rc.d/init.d/xlapp-watchdog")) }},
		// the config stage once linked it relative to the wrong directory
		{"dangling link on PATH", func(tree string) {
			os.Remove(filepath.Join(tree, "usr/sbin/xlapp-watchdog"))
			os.Symlink("../rc.d/init.d/xlapp-watchdog", filepath.Join(tree, "usr/sbin/xlapp-watchdog"))
		}},
		// the host's file of that name does not count
		{"absolute link to a host path", func(tree string) {
			os.Remove(filepath.Join(tree, "usr/sbin/xlapp-watchdog"))
			os.Symlink("/bin/sh", filepath.Join(tree, "usr/sbin/xlapp-watchdog")) // this host has it
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, boot, _ := baseOptions(t)
			tree := makeTree(t)
			tt.damage(tree)
			o.Snapshot, _ = NewDirSnapshot(context.Background(), tree)
			before := treeState(t, boot)
			if _, err := Install(context.Background(), o); !errors.Is(err, ErrNoWatchdog) {
				t.Fatalf("Install = %v", err)
			}
			if treeState(t, boot) != before {
				t.Fatal("host /boot changed")
			}
		})
	}
}

// TestRootArg checks root= for each kind of kernel: with an initramfs the
// file system UUID; without one (as LFS builds it) the PARTUUID, which the
// kernel resolves by itself; without one and with no PARTUUID known, a
// refusal that leaves the host's /boot as it was.
func TestRootArg(t *testing.T) {
	const partUUID = "1b2c3d4e-02"
	tests := []struct {
		name     string
		initrd   bool
		partUUID string
		want     string // in every linux line of custom.cfg
		err      error
	}{
		{"initramfs", true, partUUID, "root=UUID=" + targetUUID + " ", nil},
		{"initramfs, no PARTUUID", true, "", "root=UUID=" + targetUUID + " ", nil},
		{"kernel alone", false, partUUID, "root=PARTUUID=" + partUUID + " ", nil},
		{"kernel alone, no PARTUUID", false, "", "", ErrNoPartUUID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, boot, target := baseOptions(t)
			tree := makeTree(t)
			if !tt.initrd {
				os.Remove(filepath.Join(tree, "boot/initrd.img-6.13.4"))
			}
			o.Snapshot, _ = NewDirSnapshot(context.Background(), tree)
			o.TargetPartUUID, o.Xen = tt.partUUID, false
			before := treeState(t, boot)
			_, err := Install(context.Background(), o)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Install = %v, want %v", err, tt.err)
			}
			if err != nil {
				if treeState(t, boot) != before {
					t.Fatal("host /boot changed")
				}
				return
			}
			custom, err := os.ReadFile(filepath.Join(boot, "grub/custom.cfg"))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, l := range strings.Split(string(custom), "\n") {
				if l = strings.TrimSpace(l); strings.HasPrefix(l, "linux ") {
					n++
					if !strings.Contains(l, tt.want) {
						t.Errorf("%q lacks %q", l, tt.want)
					}
				}
			}
			if n != 2 {
				t.Errorf("%d linux lines, want 2 (trial, trusted):\n%s", n, custom)
			}
			// the tree has no mount points; the installed system has them
			for _, m := range mountPoints {
				fi, err := os.Lstat(filepath.Join(target, m.path))
				if err != nil {
					t.Errorf("mount point /%s: %v", m.path, err)
				} else if !fi.IsDir() || fi.Mode().Perm()|fi.Mode()&fs.ModeSticky != m.mode {
					t.Errorf("mount point /%s: %v, want a directory, mode %v", m.path, fi.Mode(), m.mode)
				}
			}
			// fstab is read by mount, which finds UUIDs itself
			if fstab, _ := os.ReadFile(filepath.Join(target, "etc/fstab")); !strings.Contains(string(fstab), "UUID="+targetUUID+" / ") {
				t.Errorf("fstab:\n%s", fstab)
			}
		})
	}
}

func TestDirSnapshot(t *testing.T) {
	ctx := context.Background()
	src := makeTree(t)
	s, err := NewDirSnapshot(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := NewDirSnapshot(ctx, src)
	if s.Digest() != s2.Digest() || s.Digest().Validate() != nil {
		t.Fatalf("digest unstable or invalid: %s %s", s.Digest(), s2.Digest())
	}
	dst := t.TempDir()
	if err := s.Restore(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if treeState(t, src) != treeState(t, dst) {
		t.Fatal("restored tree differs")
	}
	os.WriteFile(filepath.Join(src, "usr/bin/true"), []byte("#!/bin/sh\nexit 1\n"), 0o644)
	if err := s.Verify(ctx); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Verify = %v", err)
	}
	if err := s.Restore(ctx, t.TempDir()); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Restore = %v", err)
	}
}

func TestWatchdogScriptGrubenv(t *testing.T) {
	p := filepath.Join(t.TempDir(), "grubenv")
	env := bootloader.NewEnv()
	env.Set("saved_entry", "gnulinux-simple")
	data, _ := env.Encode()
	os.WriteFile(p, data, 0o644)
	script, _ := filepath.Abs("../manifests/xlapp/files/xlapp-watchdog")
	for _, sh := range []string{"sh", "busybox"} {
		args := []string{"-c", `. "$0"; grubenv_set "$1" next_entry xlapp-trial && grubenv_set "$1" saved_entry xlapp && grubenv_set "$1" next_entry`, script, p}
		if sh == "busybox" {
			if _, err := exec.LookPath("busybox"); err != nil {
				continue
			}
			args = append([]string{"sh"}, args...)
		}
		cmd := exec.Command(sh, args...)
		cmd.Env = append(os.Environ(), "XLAPP_WATCHDOG_LIB=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", sh, err, out)
		}
		got, _ := os.ReadFile(p)
		e, err := bootloader.ParseEnv(got)
		if err != nil {
			t.Fatalf("%s: %v", sh, err)
		}
		want := bootloader.NewEnv()
		want.Set("saved_entry", "xlapp")
		wantData, _ := want.Encode()
		if !bytes.Equal(got, wantData) {
			t.Fatalf("%s: grubenv\n%q\nwant\n%q", sh, got, wantData)
		}
		_ = e
		os.WriteFile(p, data, 0o644)
	}
}

func verifyWithGlibc(t *testing.T, password, hash string) {
	t.Helper()
	mk, err := exec.LookPath("mkpasswd")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mkpasswd (apt package whois) is needed: %v", err)
		}
		return
	}
	salt := strings.Split(hash, "$")[2]
	out, err := exec.Command(mk, "-m", "sha-512", "-S", salt, password).Output()
	if err != nil || strings.TrimSpace(string(out)) != hash {
		t.Fatalf("glibc crypt(3) disagrees: %s %v", out, err)
	}
}

func TestInstallXenEntries(t *testing.T) {
	o, boot, target := baseOptions(t)
	tree := makeTree(t)
	os.WriteFile(filepath.Join(tree, "boot/xen-4.17-amd64.gz"), []byte("xen"), 0o644)
	o.Snapshot, _ = NewDirSnapshot(context.Background(), tree)
	o.Xen = true
	res, err := Install(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Armed != XenTrialID {
		t.Fatalf("armed %q", res.Armed)
	}
	custom, _ := os.ReadFile(filepath.Join(boot, "grub/custom.cfg"))
	for _, want := range []string{
		"--id xlapp-xen-trial", "--id xlapp-xen {", "insmod gzio",
		"multiboot2 /xen-lfs-12.3-20261130_040506.gz dom0_mem=1024M,max:1024M\n",
		"module2 /vmlinuz-6.13.4-lfs-12.3-20261130_040506 root=UUID=" + targetUUID + " ro rootfstype=ext4 console=hvc0 panic=10 panic_on_oops=1",
		"module2 --nounzip /initrd-6.13.4-lfs-12.3-20261130_040506",
	} {
		if !strings.Contains(string(custom), want) {
			t.Errorf("custom.cfg lacks %q:\n%s", want, custom)
		}
	}
	if strings.Contains(string(custom), "noreboot") {
		t.Error("Xen must reboot when dom0 crashes")
	}
	conf, _ := os.ReadFile(filepath.Join(target, WatchdogConf))
	if !strings.Contains(string(conf), "TRIAL_ENTRY=xlapp-xen-trial\nTRUSTED_ENTRY=xlapp-xen\n") {
		t.Errorf("watchdog.conf:\n%s", conf)
	}
	o2, _, _ := baseOptions(t)
	o2.Xen = true
	if _, err := Install(context.Background(), o2); err == nil || !strings.Contains(err.Error(), "xen") {
		t.Fatalf("Xen without xen.gz: %v", err)
	}
}

// runScriptFuncs sources xlapp-watchdog for its functions and runs body.
func runScriptFuncs(t *testing.T, env []string, body string) (string, error) {
	t.Helper()
	script, _ := filepath.Abs("../manifests/xlapp/files/xlapp-watchdog")
	cmd := exec.Command("sh", "-c", `. "$0"; `+body, script)
	cmd.Env = append(append(os.Environ(), "XLAPP_WATCHDOG_LIB=1"), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestWatchdogScriptLegacyDefault(t *testing.T) {
	p := filepath.Join(t.TempDir(), "default")
	if out, err := runScriptFuncs(t, nil, `legacy_default "`+p+`" 3`); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	got, _ := os.ReadFile(p)
	if !bytes.Equal(got, bootloader.LegacyDefault(3)) {
		t.Fatalf("script writes\n%q\nGo writes\n%q", got, bootloader.LegacyDefault(3))
	}
}

// TestWatchdogScriptUninstallNeedsSavedDefault: on a host without
// GRUB_DEFAULT=saved, uninstall explains and changes nothing.
func TestWatchdogScriptUninstallNeedsSavedDefault(t *testing.T) {
	hb := t.TempDir()
	grub := filepath.Join(hb, "grub")
	os.MkdirAll(grub, 0o755)
	cfg, _ := os.ReadFile("testdata/grub.cfg") // GRUB_DEFAULT=0
	os.WriteFile(filepath.Join(grub, "grub.cfg"), cfg, 0o644)
	env := bootloader.NewEnv()
	env.Set("next_entry", TrialID)
	data, _ := env.Encode()
	os.WriteFile(filepath.Join(grub, "grubenv"), data, 0o644)
	vars := []string{"HB=" + hb}
	out, err := runScriptFuncs(t, vars, `HOST_GRUB_DIR=/grub; make_default`)
	if err == nil || !strings.Contains(out, "GRUB_DEFAULT=saved") || !strings.Contains(out, "Nothing was changed") {
		t.Fatalf("make_default on GRUB_DEFAULT=0: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(filepath.Join(grub, "grubenv")); !bytes.Equal(got, data) {
		t.Fatal("grubenv changed")
	}
	saved := bytes.Replace(cfg, []byte(`set default="0"`), []byte(`set default="${saved_entry}"`), 1)
	os.WriteFile(filepath.Join(grub, "grub.cfg"), saved, 0o644)
	if out, err := runScriptFuncs(t, vars, `HOST_GRUB_DIR=/grub; make_default`); err != nil {
		t.Fatalf("make_default on GRUB_DEFAULT=saved: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(filepath.Join(grub, "grubenv"))
	e, err := bootloader.ParseEnv(got)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := e.Get("saved_entry"); v != TrustedID || !ok {
		t.Fatalf("saved_entry = %q", v)
	}
	if _, ok := e.Get("next_entry"); ok {
		t.Fatal("next_entry still set")
	}
}
