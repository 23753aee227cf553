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
	store, manifest := builtStore(t)
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
	checkConsoleClean(t, v)
}

// TestBuiltSystemOnXen boots the same built base system as Xen's dom0:
// its kernel is dom0-capable (CONFIG_XEN_DOM0), and Debian's Xen 4.17
// hypervisor stands in for XLAPP's own, whose stage cannot be built here
// (no ACPICA source is reachable for its toolstack). The base stage is
// restored, Debian's xen.gz added to its /boot, and the tree installed
// with "xbuild install --from-dir --xen"; the Xen trial entry boots it,
// root logs in on the Xen console (hvc0), and dom0 is the control domain.
func TestBuiltSystemOnXen(t *testing.T) {
	store, manifest := builtStore(t)
	tree := filepath.Join(t.TempDir(), "tree")
	if out, err := exec.Command(buildXbuild(t), "--store", store, "--manifest", manifest, "restore", "base", "--to", tree).CombinedOutput(); err != nil {
		t.Fatalf("xbuild restore base: %v\n%s", err, out)
	}
	xenTo(t, filepath.Join(tree, "boot"))
	sys := &builtSystem{Store: filepath.Join(t.TempDir(), "store"), Manifest: manifest, FromDir: tree}
	img := buildImage(t, spec{system: sys, xen: true, watchdog: install.Watchdog{Timeout: 120 * time.Second}})
	if img.armed(t) != install.XenTrialID {
		t.Fatalf("armed %q, want the Xen trial", img.armed(t))
	}
	// dom0 drives the hardware: the e1000 is its eth0
	v := bootMem(t, "boot", img.Path, 1024, "-nic", "user,model=e1000,net=192.0.2.0/24,host=192.0.2.1")
	v.expect("xbuild: booting XLAPP on Xen as a trial", bootTimeout)
	v.expect("Xen version 4.17", bootTimeout)
	v.expect("Linux version 6.", 5*time.Minute)
	v.expect("xlapp: system initialised", 5*time.Minute)
	v.expect(markTrial, 5*time.Minute)
	v.expect("login: ", 5*time.Minute)
	v.send("root\n")
	v.expect("Password: ", time.Minute)
	v.send(rootPassword + "\n")
	const prompt = "root@xlapp1:~# "
	v.expect(prompt, 2*time.Minute)
	sh := func(cmd, marker string) {
		t.Helper()
		v.send(cmd + "\n")
		v.expect(marker, 2*time.Minute)
		v.expect(prompt, 2*time.Minute)
	}
	sh("xlapp-watchdog stop", "stopped: XLAPP stays up")
	sh("tr a-z A-Z < /proc/xen/capabilities", "CONTROL_D")
	sh("tty | tr a-z A-Z", "/DEV/HVC0")
	sh("ip -4 -o addr show dev eth0 | tr a-z A-Z", "INET 192.0.2.10/24")
	v.send("poweroff\n")
	v.waitExit(5 * time.Minute)
	checkConsoleClean(t, v)
}

// builtStore is the store holding a built base stage ($XBUILD_E2E_STORE)
// and its manifest ($XBUILD_E2E_MANIFEST, default xlapp-debian); the test
// is skipped without one.
func builtStore(t *testing.T) (store, manifest string) {
	t.Helper()
	store = os.Getenv("XBUILD_E2E_STORE")
	if store == "" {
		t.Skip("XBUILD_E2E_STORE is not set: name a store where 'xbuild stage base' has built the base stage")
	}
	manifest = os.Getenv("XBUILD_E2E_MANIFEST")
	if manifest == "" {
		manifest = "xlapp-debian"
	}
	return store, manifest
}

// checkConsoleClean fails the test if a boot script failed, a command was
// missing, or a getty was started on a console the machine lacks.
func checkConsoleClean(t *testing.T, v *vm) {
	t.Helper()
	for _, bad := range []string{"failed (", "command not found", "cannot open as standard input", "not a tty", "respawning too fast"} {
		if v.ever(bad) {
			t.Errorf("the console says %q:\n%s", bad, v.tail())
		}
	}
}
