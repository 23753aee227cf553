package qemu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xlapp/xbuild/install"
)

const bootTimeout = 180 * time.Second

// checkArmed checks, without booting, that the image's host /boot has the
// trial armed while the host stays the default.
func checkArmed(t *testing.T, img *image) {
	t.Helper()
	env := img.grubenv(t)
	if v, _ := env.Get("next_entry"); v != install.TrialID {
		t.Fatalf("next_entry = %q, want %q", v, install.TrialID)
	}
	if v, _ := env.Get("saved_entry"); v != "host" {
		t.Fatalf("saved_entry = %q: the host is no longer the default", v)
	}
	custom, err := os.ReadFile(filepath.Join(img.HostBoot, "grub/custom.cfg"))
	if err != nil || !strings.Contains(string(custom), "--id "+install.TrialID) {
		t.Fatalf("custom.cfg: %v\n%s", err, custom)
	}
	if _, err := os.Stat(filepath.Join(img.HostBoot, install.BackupDir, "journal.json")); err != nil {
		t.Fatalf("no backup journal: %v", err)
	}
	fstab, _ := os.ReadFile(filepath.Join(img.Target, "etc/fstab"))
	if !strings.Contains(string(fstab), "UUID="+xlappUUID+" / ext4 ") || !strings.Contains(string(custom), "root=UUID="+xlappUUID+" ") {
		t.Fatalf("fstab and boot entry do not name the partition's UUID %s:\n%s", xlappUUID, fstab)
	}
}

// (a) Nobody runs "xlapp-watchdog stop": after the timeout the machine
// reboots, and GRUB starts the host.
func TestTrialTimesOut(t *testing.T) {
	t.Parallel()
	img := buildImage(t, spec{variant: normal}) // the default 30 s timeout
	checkArmed(t, img)
	v := boot(t, "boot", img.Path)
	v.expect(markTrialGRUB, bootTimeout)
	v.expect(markXLAPPUp+" trial=yes", bootTimeout)
	v.expect(markTrial, 30*time.Second)
	up := time.Now()
	v.expect("no 'xlapp-watchdog stop' within 30 seconds", 60*time.Second)
	if d := time.Since(up); d < 25*time.Second {
		t.Fatalf("rebooted after %v, before the 30 s timeout", d)
	}
	v.expect(markHostGRUB, bootTimeout)
	v.expect(markHostUp, bootTimeout)
	v.waitExit(60 * time.Second)
}

// (b) "xlapp-watchdog stop" keeps the trial up past the timeout; the next
// boot is a trial again; "uninstall" makes XLAPP the default.
func TestStopThenUninstall(t *testing.T) {
	t.Parallel()
	const timeout = 30 * time.Second // room to log in on a loaded machine
	img := buildImage(t, spec{variant: normal, watchdog: install.Watchdog{Timeout: timeout}})
	v := boot(t, "boot", img.Path)
	v.expect(markTrialGRUB, bootTimeout)
	v.expect(markTrial, bootTimeout)
	up := time.Now()
	v.login()
	v.run("xlapp-watchdog stop", "stopped: XLAPP stays up")
	time.Sleep(time.Until(up.Add(timeout + 10*time.Second)))
	v.absent("rebooting into the host")
	v.run("echo still-$((40+2))", "still-42")
	v.send("reboot\n")
	v.expect(markTrialGRUB, bootTimeout) // armed again by stop
	v.expect(markTrial, bootTimeout)
	v.login()
	out := v.run("xlapp-watchdog uninstall", "uninstalled: XLAPP is now the default")
	if strings.Contains(out, "busy") || strings.Contains(out, "error") {
		t.Fatalf("uninstall did not stop the softdog cleanly:\n%s", out)
	}
	v.send("reboot\n")
	v.expect("xbuild: booting XLAPP\n", bootTimeout) // the trusted entry, by default
	v.expect(markXLAPPUp+" trial=no", bootTimeout)
	v.login()
	v.absent(markTrial)
	v.send("poweroff\n")
	v.waitExit(bootTimeout)
}

// (c) A kernel panic (here: no /sbin/init) reboots after panic=10 into the host.
func TestPanicFallsBack(t *testing.T) {
	t.Parallel()
	img := buildImage(t, spec{variant: panics})
	v := boot(t, "boot", img.Path)
	v.expect(markTrialGRUB, bootTimeout)
	v.expect("Kernel panic", bootTimeout)
	v.expect(markHostGRUB, bootTimeout)
	v.expect(markHostUp, bootTimeout)
	v.waitExit(60 * time.Second)
}

// (d) A boot script hangs before xlapp-watchdog starts: nobody opens the
// softdog, the kernel stops feeding it at watchdog.open_timeout, and it
// resets the machine into the host.
func TestHungUserspaceFallsBack(t *testing.T) {
	t.Parallel()
	img := buildImage(t, spec{variant: hangs, watchdog: install.Watchdog{SoftMargin: 10 * time.Second, OpenTimeout: 15 * time.Second}})
	v := boot(t, "boot", img.Path)
	v.expect(markTrialGRUB, bootTimeout)
	v.expect("XBUILD-TEST: a boot script hangs", bootTimeout)
	v.absent(markTrial)
	v.expect(markHostGRUB, bootTimeout)
	v.expect(markHostUp, bootTimeout)
	v.waitExit(60 * time.Second)
}

// (e) A power cut during the trial: the next boot is the host, because GRUB
// cleared next_entry before it started the trial kernel.
func TestPowerCutFallsBack(t *testing.T) {
	t.Parallel()
	img := buildImage(t, spec{variant: normal})
	v := boot(t, "boot", img.Path)
	v.expect(markTrialGRUB, bootTimeout)
	v.expect(markTrial, bootTimeout)
	v.kill()
	w := boot(t, "after power cut", img.Path)
	w.expect(markHostGRUB, bootTimeout)
	w.absent(markTrialGRUB)
	w.expect(markHostUp, bootTimeout)
	w.waitExit(60 * time.Second)
}
