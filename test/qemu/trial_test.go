package qemu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xlapp/xbuild/install"
	"github.com/xlapp/xbuild/install/bootloader"
)

const bootTimeout = 180 * time.Second

// checkArmed checks, without booting, that the image's host /boot has the
// trial armed while the host stays the default.
func checkArmed(t *testing.T, img *image) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(img.HostBoot, "grub/grubenv"))
	if err != nil {
		t.Fatal(err)
	}
	env, err := bootloader.ParseEnv(data)
	if err != nil {
		t.Fatal(err)
	}
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
}

// (a) Nobody runs "xlapp-watchdog stop": after the timeout the machine
// reboots, and GRUB starts the host.
func TestTrialTimesOut(t *testing.T) {
	t.Parallel()
	img := buildImage(t, normal, install.Watchdog{}) // the default 30 s
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
