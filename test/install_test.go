package test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// sshKey makes an OpenSSH ed25519 public key line without ssh-keygen.
func sshKey(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, part := range [][]byte{[]byte("ssh-ed25519"), pub} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(part)))
		b = append(b, part...)
	}
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(b) + " test@xbuild"
}

func tree(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command("sh", "-c", "cd "+dir+" && find . -printf '%p %m %s %l\\n' | sort && find . -type f -exec sha256sum {} + | sort").CombinedOutput()
	if err != nil {
		t.Fatal(err, string(out))
	}
	return string(out)
}

// configure and install through the CLI: a dry run writes nothing, the
// install writes the target and the host's boot files, --undo puts the
// boot files back byte for byte.
func TestConfigureInstallUndo(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	boot := filepath.Join(dir, "boot")
	target := filepath.Join(dir, "target")
	sys := filepath.Join(dir, "sys")
	for _, d := range []string{filepath.Join(boot, "grub"), target, filepath.Join(sys, "boot"), filepath.Join(sys, "etc")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	grubcfg, err := os.ReadFile("../install/testdata/grub.cfg")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(boot, "grub", "grub.cfg"), grubcfg, 0o644)
	if out, err := exec.Command("grub-editenv", filepath.Join(boot, "grub", "grubenv"), "create").CombinedOutput(); err != nil {
		t.Fatalf("grub-editenv: %v %s", err, out)
	}
	os.WriteFile(filepath.Join(sys, "boot", "vmlinuz-6.12.38"), []byte("kernel image"), 0o644)
	// The system to install carries XLAPP's watchdog, as the config stage installs it.
	wd, err := os.ReadFile("../manifests/xlapp/files/xlapp-watchdog")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(sys, "etc", "rc.d", "init.d"), 0o755)
	os.WriteFile(filepath.Join(sys, "etc", "rc.d", "init.d", "xlapp-watchdog"), wd, 0o755)
	os.MkdirAll(filepath.Join(sys, "usr", "sbin"), 0o755)
	os.Symlink("../../etc/rc.d/init.d/xlapp-watchdog", filepath.Join(sys, "usr", "sbin", "xlapp-watchdog"))
	// What a real system tree holds and a plain copy would lose: a FIFO
	// (sysvinit's /run/initctl) and hardlinks.
	os.MkdirAll(filepath.Join(sys, "run"), 0o755)
	if err := unix.Mkfifo(filepath.Join(sys, "run", "initctl"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(sys, "etc", "a"), []byte("linked"), 0o644)
	if err := os.Link(filepath.Join(sys, "etc", "a"), filepath.Join(sys, "etc", "b")); err != nil {
		t.Fatal(err)
	}

	const hash = "$6$saltsaltsalt$PMWE8DTlam1JU37Piyk43bHcMxTJq6sgu5DKB0/tGPjanN35jcY68QkpDfPFUGPWX5uCxIQkSPzMmqEiVNgts."
	r := xbuild(t, "--store", store, "configure", "--hostname", "xlapp1", "--domain", "example.org",
		"--interface", "eth0", "--address", "192.0.2.10/24", "--gateway", "192.0.2.1", "--dns", "192.0.2.53",
		"--password-hash", hash, "--ssh-key", sshKey(t))
	mustOK(t, r)
	fi, err := os.Stat(filepath.Join(store, "machine.config"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("machine.config: %v %v", fi, err)
	}
	// A bad answer is one line and writes nothing.
	r = xbuild(t, "--store", filepath.Join(dir, "store2"), "configure", "--hostname", "-bad-", "--domain", "-",
		"--interface", "eth0", "--address", "192.0.2.10/24", "--gateway", "192.0.2.1", "--dns", "192.0.2.53",
		"--password-hash", hash, "--ssh-key", sshKey(t))
	if r.code == 0 {
		t.Fatal("a bad host name was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "store2", "machine.config")); err == nil {
		t.Fatal("a failed configure wrote machine.config")
	}

	args := []string{"--store", store, "install", "--target", target, "--target-uuid", "1b2c3d4e-0001-4000-8000-000000000001",
		"--boot", boot, "--boot-uuid", "1b2c3d4e-0001-4000-8000-00000000b007", "--boot-prefix", boot, "--from-dir", sys}
	bootBefore, targetBefore := tree(t, boot), tree(t, target)
	// The kernel has no initramfs, so the entries need the PARTUUID.
	r = xbuild(t, append(args, "--yes")...)
	if r.code != 1 || !strings.Contains(r.stderr, "PARTUUID") || !strings.Contains(r.stderr, "--target-partuuid") || tree(t, boot) != bootBefore {
		t.Fatalf("without a PARTUUID: exit %d, stderr %q, or /boot changed", r.code, r.stderr)
	}
	os.RemoveAll(target)
	os.Mkdir(target, 0o755)
	args = append(args, "--target-partuuid", "1b2c3d4e-02")
	r = xbuild(t, append(args, "--dry-run")...)
	mustOK(t, r)
	if !strings.Contains(r.stdout, "Dry run: nothing was written") || tree(t, boot) != bootBefore || tree(t, target) != targetBefore {
		t.Fatalf("dry run wrote or did not say so:\n%s", r.stdout)
	}
	r = xbuild(t, append(args, "--yes")...)
	mustOK(t, r)
	custom, err := os.ReadFile(filepath.Join(boot, "grub", "custom.cfg"))
	if err != nil || !strings.Contains(string(custom), "xlapp-trial") || !strings.Contains(string(custom), "panic=10") ||
		!strings.Contains(string(custom), "root=PARTUUID=1b2c3d4e-02 ") {
		t.Fatalf("custom.cfg: %v\n%s", err, custom)
	}
	env, _ := exec.Command("grub-editenv", filepath.Join(boot, "grub", "grubenv"), "list").CombinedOutput()
	if !strings.Contains(string(env), "next_entry=xlapp-trial") {
		t.Fatalf("trial not armed: %s", env)
	}
	shadow, err := os.ReadFile(filepath.Join(target, "etc", "shadow"))
	if err != nil || !strings.Contains(string(shadow), "root:"+hash+":") {
		t.Fatalf("shadow: %v\n%s", err, shadow)
	}
	var fifo, a, b unix.Stat_t
	errF := unix.Lstat(filepath.Join(target, "run", "initctl"), &fifo)
	errA := unix.Lstat(filepath.Join(target, "etc", "a"), &a)
	errB := unix.Lstat(filepath.Join(target, "etc", "b"), &b)
	if errF != nil || fifo.Mode&unix.S_IFMT != unix.S_IFIFO || errA != nil || errB != nil || a.Ino != b.Ino {
		t.Fatalf("FIFO or hardlink lost: %v %o; %v %v %d %d", errF, fifo.Mode, errA, errB, a.Ino, b.Ino)
	}
	for _, d := range []string{"dev", "proc", "sys", "tmp"} {
		if fi, err := os.Stat(filepath.Join(target, d)); err != nil || !fi.IsDir() {
			t.Fatalf("mount point /%s not made: %v", d, err)
		}
	}
	r = xbuild(t, "--store", store, "install", "--undo", "--boot", boot)
	mustOK(t, r)
	if got := tree(t, boot); got != bootBefore {
		t.Fatalf("--undo did not restore /boot:\nbefore\n%s\nafter\n%s", bootBefore, got)
	}
}
