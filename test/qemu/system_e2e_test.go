//go:build e2e

package qemu

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xlapp/xbuild/install"
)

// TestBuiltSystemBoots installs a really built XLAPP base system (its own
// 6.12 kernel without an initramfs, sysvinit, XLAPP's boot scripts,
// OpenSSH) behind the host's GRUB and boots it: the trial entry finds its
// root by PARTUUID, root logs in with machine.config's password, stops
// the watchdog, finds sshd listening, and powers off.
//
// XBUILD_E2E_STORE names the store that holds the built stage (after
// "xbuild stage base"), XBUILD_E2E_MANIFEST its manifest (default
// xlapp-debian). It is installed with "xbuild install --stage base".
func TestBuiltSystemBoots(t *testing.T) {
	store := os.Getenv("XBUILD_E2E_STORE")
	if store == "" {
		t.Skip("XBUILD_E2E_STORE is not set: name a store where 'xbuild stage base' has built the base stage")
	}
	manifest := os.Getenv("XBUILD_E2E_MANIFEST")
	if manifest == "" {
		manifest = "xlapp-debian"
	}
	sys := &builtSystem{Store: store, Manifest: manifest, Stage: "base"}
	img := buildImage(t, spec{system: sys, watchdog: install.Watchdog{Timeout: 60 * time.Second}})
	custom, err := os.ReadFile(img.HostBoot + "/grub/custom.cfg")
	if err != nil || !strings.Contains(string(custom), "root=PARTUUID="+xlappPartUUID+" ") {
		t.Fatalf("the entries do not find the root by PARTUUID (%v):\n%s", err, custom)
	}
	v := bootMem(t, "boot", img.Path, 512)
	v.expect(markTrialGRUB, bootTimeout)
	v.expect("Linux version 6.", bootTimeout)
	v.expect("xlapp: system initialised", bootTimeout)
	v.expect(markTrial, bootTimeout)
	v.expect("login: ", bootTimeout)
	v.send("root\n")
	v.expect("Password: ", 30*time.Second)
	v.send(rootPassword + "\n")
	const prompt = "root@xlapp1:~# "
	v.expect(prompt, 60*time.Second)
	sh := func(cmd, marker string) string {
		t.Helper()
		v.send(cmd + "\n")
		v.expect(marker, 60*time.Second)
		out := v.since()
		v.expect(prompt, 60*time.Second)
		return out
	}
	sh("xlapp-watchdog stop", "stopped: XLAPP stays up")
	sh("echo kernel=$(uname -r)", "kernel=6.")
	sh("grep -o 'root=[^ ]*' /proc/cmdline", "root=PARTUUID="+xlappPartUUID)
	// markers the typed line itself does not contain
	sh("pidof sshd >/dev/null && echo sshd-up-$((40+2))", "sshd-up-42")
	sh("ssh -V 2>&1 | tr a-z A-Z", "OPENSSH_")
	v.send("poweroff\n")
	v.waitExit(bootTimeout)
}
