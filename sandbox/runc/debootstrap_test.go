//go:build linux

package runc_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/xlapp/xbuild/internal/apt"
	"github.com/xlapp/xbuild/sandbox"
)

// debootstrapRoot returns a cached `debootstrap --variant=minbase bookworm`
// rootfs with /mnt/lfs, /sources and /build created, building it (about a
// minute) only when XBUILD_TEST_DEBOOTSTRAP=1. The mirror comes from this
// machine's apt configuration.
func debootstrapRoot(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("XBUILD_TEST_CACHE")
	if cache == "" {
		cache = "/var/cache/xbuild-test"
	}
	dir := filepath.Join(cache, "rootfs-bookworm-minbase")
	if _, err := os.Stat(filepath.Join(dir, "etc/debian_version")); err == nil {
		return dir
	}
	if os.Getenv("XBUILD_TEST_DEBOOTSTRAP") != "1" {
		t.Skipf("no debootstrap rootfs at %s; set XBUILD_TEST_DEBOOTSTRAP=1 to build it", dir)
	}
	mirror, err := apt.ArchiveURL("")
	if err != nil {
		t.Fatal(err)
	}
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("debootstrap", "--variant=minbase", "bookworm", tmp, mirror)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("debootstrap: %v\n%s", err, out)
	}
	for _, d := range []string{"mnt/lfs", "sources", "build"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDebootstrapSeed runs the seed layout: a Debian rootfs read-only as
// "/", the LFS tree read-write at /mnt/lfs, sources read-only, a tmpfs
// /build, as root and as the build user; the rootfs once as a plain
// directory and once as a read-only bind mount on the host.
func TestDebootstrapSeed(t *testing.T) {
	r, state := newRunner(t)
	root := debootstrapRoot(t)
	before := treeListing(t, filepath.Join(root, "etc"))
	lfs := mkdirs(t, t.TempDir(), "lfs")
	if err := os.Chown(lfs, 1000, 1000); err != nil {
		t.Fatal(err)
	}
	src := mkdirs(t, t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "hello.tar"), "hello")
	passwd := filepath.Join(t.TempDir(), "passwd")
	writeFile(t, passwd, "root:x:0:0:root:/root:/bin/bash\nlfs:x:1000:1000::/build:/bin/bash\n")

	script := `set -eu
cat /etc/debian_version
echo "user=$(id -un) $(id -u):$(id -g)"
echo "$BASH_VERSION" | grep -q '^5' && echo bash-ok
cd /build && echo x > f && tar cf /mnt/lfs/out-$(id -u).tar f
cat /sources/hello.tar; echo
if touch /usr/x 2>/dev/null; then echo rootfs-writable; fi
if touch /sources/x 2>/dev/null; then echo sources-writable; fi
`
	// The seed as the caller keeps it: a read-only bind mount on the host.
	roRoot := mkdirs(t, t.TempDir(), "seed")
	if err := unix.Mount(root, roRoot, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Unmount(roRoot, unix.MNT_DETACH) })
	if err := unix.Mount("", roRoot, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rootfs string
		uid    uint32
	}{{root, 0}, {root, 1000}, {roRoot, 0}, {roRoot, 1000}} {
		uid := tc.uid
		_ = os.Remove(filepath.Join(lfs, "out-"+strconv.FormatUint(uint64(uid), 10)+".tar"))
		out, err := runSpec(t, r, sandbox.Spec{
			Rootfs: tc.rootfs, ReadonlyRootfs: true, UID: uid, GID: uid, Cwd: "/build",
			Env: []string{"PATH=/usr/bin:/bin", "HOME=/build", "LC_ALL=POSIX"},
			Mounts: []sandbox.Mount{
				{Source: lfs, Destination: "/mnt/lfs"},
				{Source: src, Destination: "/sources", ReadOnly: true},
				{Destination: "/build", Type: "tmpfs", Options: []string{"mode=1777"}},
				{Source: passwd, Destination: "/etc/passwd", ReadOnly: true},
			},
			Args: []string{"bash", "-c", script},
		})
		if err != nil {
			t.Fatalf("uid %d: %v; output:\n%s", uid, err, out)
		}
		for _, want := range []string{"12.", "bash-ok", "hello"} {
			if !strings.Contains(out, want) {
				t.Errorf("uid %d: output lacks %q:\n%s", uid, want, out)
			}
		}
		for _, bad := range []string{"rootfs-writable", "sources-writable"} {
			if strings.Contains(out, bad) {
				t.Errorf("uid %d: %s:\n%s", uid, bad, out)
			}
		}
		if _, err := os.Stat(filepath.Join(lfs, "out-"+strconv.FormatUint(uint64(uid), 10)+".tar")); err != nil {
			t.Errorf("uid %d: nothing written to the LFS tree: %v", uid, err)
		}
	}
	if after := treeListing(t, filepath.Join(root, "etc")); !sameKeys(before, after) {
		t.Errorf("the seed rootfs changed")
	}
	assertEmptyDir(t, state)
}
