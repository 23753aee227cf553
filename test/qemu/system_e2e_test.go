//go:build e2e

package qemu

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xlapp/xbuild/install"
)

// TestBuiltSystemBoots installs a really built XLAPP base system (its own
// 6.12 kernel without an initramfs, sysvinit, XLAPP's boot scripts,
// OpenSSH) behind the host's GRUB and boots it: the trial entry finds its
// root by PARTUUID, root logs in with machine.config's password, stops
// the watchdog, finds machine.config's address on eth0 and sshd running,
// logs in over SSH with machine.config's key, and powers off.
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
	keyDir := t.TempDir()
	key := filepath.Join(keyDir, "id")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e@xbuild", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	sys := &builtSystem{Store: store, Manifest: manifest, Stage: "base", SSHKey: strings.TrimSpace(string(pub))}
	img := buildImage(t, spec{system: sys, watchdog: install.Watchdog{Timeout: 60 * time.Second}})
	custom, err := os.ReadFile(img.HostBoot + "/grub/custom.cfg")
	if err != nil || !strings.Contains(string(custom), "root=PARTUUID="+xlappPartUUID+" ") {
		t.Fatalf("the entries do not find the root by PARTUUID (%v):\n%s", err, custom)
	}
	// An e1000 on QEMU's user network (nothing outside this process) laid
	// out as machine.config says: the guest 192.0.2.10, the gateway
	// 192.0.2.1; a local port forwarded to the guest's sshd.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	v := bootMem(t, "boot", img.Path, 512, "-nic",
		fmt.Sprintf("user,model=e1000,net=192.0.2.0/24,host=192.0.2.1,hostfwd=tcp:127.0.0.1:%d-192.0.2.10:22", port))
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
	// machine.config's address, set by the network boot script
	sh("ip -4 -o addr show dev eth0 | tr a-z A-Z", "INET 192.0.2.10/24")
	sh("ip route | grep ^default | tr a-z A-Z", "DEFAULT VIA 192.0.2.1")
	// markers the typed line itself does not contain
	sh("pidof sshd >/dev/null && echo sshd-up-$((40+2))", "sshd-up-42")
	sh("ssh -V 2>&1 | tr a-z A-Z", "OPENSSH_")

	// root logs in over SSH with machine.config's key (and no password)
	var out []byte
	deadline := time.Now().Add(90 * time.Second)
	for {
		out, err = exec.Command("ssh", "-i", key, "-p", strconv.Itoa(port), "-o", "BatchMode=yes",
			"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=20",
			"root@127.0.0.1", "echo over-ssh $(hostname) $(uname -r)").CombinedOutput()
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(3 * time.Second)
	}
	if err != nil || !strings.Contains(string(out), "over-ssh xlapp1 6.") {
		t.Fatalf("ssh as root with the configured key: %v\n%s", err, out)
	}
	t.Logf("ssh: %s", strings.TrimSpace(string(out)))
	v.send("poweroff\n")
	v.waitExit(bootTimeout)
	// No boot script failed, and no getty was started on a console this
	// machine lacks (hvc0 exists only under Xen).
	for _, bad := range []string{"failed (", "cannot open as standard input", "command not found"} {
		if v.ever(bad) {
			t.Errorf("the console says %q:\n%s", bad, v.tail())
		}
	}
}
