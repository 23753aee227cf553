package install

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/xlapp/xbuild/install/hostinfo"
	"github.com/xlapp/xbuild/internal/sha512crypt"
)

// needRoot fails under CI and skips otherwise when not root or when a tool
// for loop devices is missing.
func needRoot(t *testing.T) {
	t.Helper()
	why := ""
	if os.Geteuid() != 0 {
		why = "needs root for loop devices"
	}
	for _, tool := range []string{"losetup", "mkfs.ext4", "sfdisk", "blkid", "lsblk"} {
		if _, err := exec.LookPath(tool); err != nil {
			why = tool + " not installed (apt packages mount, e2fsprogs, fdisk, util-linux)"
		}
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal(why)
	}
	t.Skip(why)
}

func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// loop attaches a new image file of size MiB as a loop device.
func loop(t *testing.T, mib int, partitioned bool) string {
	t.Helper()
	img := filepath.Join(t.TempDir(), "disk.img")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(int64(mib) << 20)
	f.Close()
	args := []string{"-f", "--show"}
	if partitioned {
		cmd := exec.Command("sfdisk", "-q", img)
		cmd.Stdin = strings.NewReader("label: dos\nstart=2048, type=83\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sfdisk: %v\n%s", err, out)
		}
		args = append(args, "-P")
	}
	dev := sh(t, "losetup", append(args, img)...)
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	return dev
}

// realOptions are Options against the running host (no injected facts).
func realOptions(t *testing.T) Options {
	o, _, _ := baseOptions(t)
	o.Host, o.Target, o.TargetUUID = nil, "", ""
	o.BootUUID, o.BootPrefix = bootUUID, "/boot"
	return o
}

// TestLoopRefusals runs one real refusal per class against loop devices
// and the real host, read by hostinfo.Read.
func TestLoopRefusals(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	facts, err := hostinfo.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rootMount, _ := facts.MountOf("/")
	rootDev, haveRoot := facts.Device(rootMount.MajMin)

	mounted := loop(t, 64, false)
	sh(t, "mkfs.ext4", "-q", mounted)
	mnt := t.TempDir()
	if err := unix.Mount(mounted, mnt, "ext4", 0, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(mnt, 0) })
	disk := loop(t, 64, true)
	small := loop(t, 16, false)
	sh(t, "mkfs.ext4", "-q", small)
	blank := loop(t, 64, false)

	tests := []struct {
		name   string
		device string
		format bool
		want   error
	}{
		{"mounted", mounted, true, ErrMounted},
		{"whole disk", disk, true, ErrWholeDisk},
		{"too small", small, true, ErrTooSmall},
		{"no file system", blank, false, ErrNoFilesystem},
		{"missing", "/dev/xbuild-no-such-disk", true, ErrNoDevice},
	}
	if haveRoot {
		tests = append(tests, struct {
			name   string
			device string
			format bool
			want   error
		}{"host root", rootDev.Path, true, ErrHostRoot})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := realOptions(t)
			o.Device, o.Format = tt.device, tt.format
			before := sh(t, "sh", "-c", "blkid -p -o export "+tt.device+" || true")
			_, err := Install(ctx, o)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Install(%s) = %v, want %v", tt.device, err, tt.want)
			}
			if after := sh(t, "sh", "-c", "blkid -p -o export "+tt.device+" || true"); after != before {
				t.Fatalf("device changed: %q -> %q", before, after)
			}
		})
	}
}

// TestLoopInstall formats a real loop device, installs, and checks the
// result as the new system will see it.
func TestLoopInstall(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	dev := loop(t, 128, false)
	o := realOptions(t)
	o.Device, o.Format, o.Label = dev, true, "XLAPPTEST"
	o.Yes, o.In = false, strings.NewReader(dev+"\n")
	res, err := Install(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := hostinfo.Probe(ctx, dev)
	if err != nil {
		t.Fatal(err)
	}
	if fs.FSType != "ext4" || fs.Label != "XLAPPTEST" || fs.UUID == "" || res.Plan.UUID != fs.UUID {
		t.Fatalf("file system %+v, plan UUID %s", fs, res.Plan.UUID)
	}
	// Install unmounted it again.
	facts, _ := hostinfo.Read(ctx)
	if d, ok := facts.DeviceByPath(dev); ok && len(facts.MountsOf(d.MajMin)) > 0 {
		t.Fatalf("%s still mounted", dev)
	}
	mnt := t.TempDir()
	if err := unix.Mount(dev, mnt, "ext4", unix.MS_RDONLY, ""); err != nil {
		t.Fatal(err)
	}
	defer unix.Unmount(mnt, 0)
	fstab, _ := os.ReadFile(filepath.Join(mnt, "etc/fstab"))
	if !strings.Contains(string(fstab), "UUID="+fs.UUID+" / ext4 ") {
		t.Fatalf("fstab does not name the device's UUID %s:\n%s", fs.UUID, fstab)
	}
	shadow, _ := os.ReadFile(filepath.Join(mnt, "etc/shadow"))
	hash := strings.Split(string(shadow), ":")[1]
	if !sha512crypt.Verify([]byte(testPassword), hash) {
		t.Fatal("root hash does not verify")
	}
	verifyWithGlibc(t, testPassword, hash)
	st, err := os.Stat(filepath.Join(mnt, "root/.ssh/authorized_keys"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("authorized_keys: %v %v", st, err)
	}
	custom, _ := os.ReadFile(filepath.Join(o.Boot, "grub/custom.cfg"))
	if !strings.Contains(string(custom), "root=UUID="+fs.UUID) {
		t.Fatalf("custom.cfg does not boot UUID %s:\n%s", fs.UUID, custom)
	}
}
