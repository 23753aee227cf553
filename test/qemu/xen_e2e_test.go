//go:build e2e

package qemu

import (
	"testing"
	"time"

	"github.com/xlapp/xbuild/install"
)

// Phase 2: Debian's Xen 4.17 boots through the same GRUB path
// (multiboot2/module2 from custom.cfg, armed by next_entry) and reaches
// dom0 userspace; the trial then times out into the host.
func TestXenTrial(t *testing.T) {
	t.Parallel()
	img := buildImage(t, spec{variant: normal, xen: true, watchdog: install.Watchdog{Timeout: 20 * time.Second}})
	if img.Result.Armed != install.XenTrialID {
		t.Fatalf("armed %q", img.Result.Armed)
	}
	v := bootMem(t, "boot", img.Path, 1024)
	v.expect("xbuild: booting XLAPP on Xen as a trial", bootTimeout)
	v.expect("Xen version 4.17", bootTimeout)
	v.expect(markXLAPPUp+" trial=yes", 10*time.Minute)
	v.expect(markTrial, bootTimeout)
	v.expect("rebooting into the host", 2*time.Minute)
	v.expect(markHostGRUB, 5*time.Minute)
	v.expect(markHostUp, bootTimeout)
	v.waitExit(time.Minute)
}

// A dom0 kernel panic: Xen restarts the machine (it was not given
// noreboot), and GRUB starts the host.
func TestXenDom0PanicFallsBack(t *testing.T) {
	t.Parallel()
	img := buildImage(t, spec{variant: panics, xen: true})
	v := bootMem(t, "boot", img.Path, 1024)
	v.expect("xbuild: booting XLAPP on Xen as a trial", bootTimeout)
	v.expect("Xen version 4.17", bootTimeout)
	v.expect("Kernel panic", 10*time.Minute)
	v.expect(markHostGRUB, 5*time.Minute)
	v.expect(markHostUp, bootTimeout)
	v.waitExit(time.Minute)
}
