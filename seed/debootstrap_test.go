package seed

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/xlapp/xbuild/manifests"
)

func TestPreflight(t *testing.T) {
	found := func() (string, error) { return "/usr/sbin/debootstrap", nil }
	missing := func() (string, error) { return "", exec.ErrNotFound }
	bookworm := manifests.Seed{Suite: "bookworm", Variant: "minbase", Include: []string{"build-essential", "g++"}}
	if _, err := os.Stat(filepath.Join(debootstrapDir(), "scripts", "bookworm")); err != nil {
		t.Skip("no debootstrap suite scripts on this machine")
	}
	tests := []struct {
		name string
		cfg  manifests.Seed
		euid int
		look func() (string, error)
		want string // "" means no error
	}{
		{"ok", bookworm, 0, found, ""},
		{"not installed", bookworm, 1000, missing, "debootstrap is not installed: install it with apt-get install debootstrap"},
		{"not root", bookworm, 1000, found, "debootstrap needs root: run xbuild seed debootstrap as root"},
		{"unknown suite", manifests.Seed{Suite: "no-such-suite"}, 0, found, `unknown suite "no-such-suite": debootstrap has no script for it in ` + debootstrapDir() + "/scripts"},
		{"path as suite", manifests.Seed{Suite: "../../etc/passwd"}, 0, found, `unknown suite "../../etc/passwd"`},
		{"bad include", manifests.Seed{Suite: "bookworm", Include: []string{"gcc,evil"}}, 0, found, `bad package name "gcc,evil" in seed include`},
		{"bad variant", manifests.Seed{Suite: "bookworm", Variant: "--foreign"}, 0, found, `bad debootstrap variant "--foreign"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := preflight(tt.cfg, tt.euid, tt.look)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("preflight() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDebootstrapUnknownSuite(t *testing.T) {
	needRoot(t)
	if _, err := lookDebootstrap(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("debootstrap is not installed, and CI is set")
		}
		t.Skip("needs debootstrap")
	}
	_, err := Debootstrap(context.Background(), manifests.Seed{Suite: "no-such-suite"}, &fakeSnapshotter{}, DebootstrapOptions{WorkDir: t.TempDir()})
	if err == nil || !strings.HasPrefix(err.Error(), `unknown suite "no-such-suite"`) {
		t.Fatalf("Debootstrap: %v, want unknown suite", err)
	}
}

// removeTree must unmount what debootstrap leaves mounted before it removes
// anything, or it would delete through a bind mount into the host.
func TestRemoveTreeUnmountsFirst(t *testing.T) {
	needRoot(t)
	dir := filepath.Join(t.TempDir(), "seed")
	host := t.TempDir() // stands for the host's /dev
	os.WriteFile(filepath.Join(host, "precious"), []byte("x"), 0o644)
	for _, d := range []string{"proc", "dev", "sys"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	if err := unix.Mount("proc", filepath.Join(dir, "proc"), "proc", 0, ""); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(host, filepath.Join(dir, "dev"), "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", filepath.Join(dir, "sys"), "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "sys", "inner"), 0o755)
	if err := unix.Mount("tmpfs", filepath.Join(dir, "sys", "inner"), "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	// Keep one busy: a lazy unmount must still take it away.
	busy, err := os.Open(filepath.Join(dir, "sys", "inner"))
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	if err := removeTree(dir); err != nil {
		t.Fatalf("removeTree: %v", err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still there: %v", dir, err)
	}
	if _, err := os.Stat(filepath.Join(host, "precious")); err != nil {
		t.Errorf("removeTree deleted through a bind mount: %v", err)
	}
	if left, _ := mountsUnder(dir); len(left) != 0 {
		t.Errorf("still mounted: %v", left)
	}
}

// A mount point whose name needs escaping in mountinfo is still found.
func TestMountsUnderOddNames(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("needs root")
		}
		t.Skip("needs root")
	}
	dir := t.TempDir()
	mp := filepath.Join(dir, "a b\\c")
	if err := os.Mkdir(mp, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", mp, "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	defer unix.Unmount(mp, unix.MNT_DETACH)
	got, err := mountsUnder(dir)
	if err != nil || len(got) != 1 || got[0] != mp {
		t.Fatalf("mountsUnder = %q, %v; want [%q]", got, err, mp)
	}
}

func TestRemoveJunk(t *testing.T) {
	root := t.TempDir()
	files := map[string]bool{ // path -> kept
		"var/cache/apt/pkgcache.bin":                  false,
		"var/cache/apt/srcpkgcache.bin":               false,
		"var/log/dpkg.log":                            false,
		"var/log/apt/history.log":                     false,
		"var/lib/apt/lists/deb.example.org_Packages":  false,
		"var/lib/apt/lists/lock":                      false,
		"var/lib/dpkg/status-old":                     false,
		"var/lib/dpkg/status":                         true,
		"var/cache/debconf/config.dat-old":            false,
		"var/cache/debconf/config.dat":                true,
		"etc/apt/sources.list":                        true,
		"usr/share/doc/apt/changelog.gz":              true,
		"var/cache/apt/archives/partial/placeholder":  true,
		"var/lib/apt/extended_states":                 true,
		"var/cache/ldconfig/aux-cache":                false,
		"var/cache/apt/archives/hello_2.10_amd64.deb": false,
	}
	for p := range files {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte("x"), 0o644)
	}
	os.MkdirAll(filepath.Join(root, "var/lib/apt/lists/partial"), 0o755)
	if err := removeJunk(root); err != nil {
		t.Fatalf("removeJunk: %v", err)
	}
	for p, kept := range files {
		_, err := os.Stat(filepath.Join(root, p))
		if (err == nil) != kept {
			t.Errorf("%s: kept = %v, want %v", p, err == nil, kept)
		}
	}
	for _, d := range []string{"var/log/apt", "var/lib/apt/lists/partial"} {
		if fi, err := os.Stat(filepath.Join(root, d)); err != nil || !fi.IsDir() {
			t.Errorf("directory %s was removed: %v", d, err)
		}
	}
}

// TestDebootstrapReal builds a real minbase bookworm seed from the Debian
// archive in the apt configuration: a minute or two. It runs when
// XBUILD_TEST_DEBOOTSTRAP=1, and always in CI.
func TestDebootstrapReal(t *testing.T) {
	if os.Getenv("XBUILD_TEST_DEBOOTSTRAP") != "1" && os.Getenv("CI") == "" {
		t.Skip("slow and needs the network: set XBUILD_TEST_DEBOOTSTRAP=1")
	}
	needRoot(t)
	work := t.TempDir()
	var log strings.Builder
	snap := &checkingSnapshotter{t: t}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	d, err := Debootstrap(ctx, manifests.Seed{Suite: "bookworm", Variant: "minbase", Include: []string{"make"}}, snap,
		DebootstrapOptions{Log: &log, WorkDir: work})
	if err != nil {
		t.Fatalf("Debootstrap: %v\nlog tail: %s", err, tailOf(log.String()))
	}
	t.Logf("seed %s in %v, %d log bytes", d, time.Since(start).Round(time.Second), log.Len())
	if !snap.called {
		t.Fatal("the snapshotter was not called")
	}
	if left, _ := os.ReadDir(work); len(left) != 0 {
		t.Errorf("left in the work dir: %v", left)
	}
	if !strings.Contains(log.String(), "Base system installed successfully") {
		t.Errorf("log does not show debootstrap's success: %s", tailOf(log.String()))
	}
}

// A cancelled debootstrap leaves nothing: no process, no mount, no tree.
func TestDebootstrapCancelReal(t *testing.T) {
	if os.Getenv("XBUILD_TEST_DEBOOTSTRAP") != "1" && os.Getenv("CI") == "" {
		t.Skip("slow and needs the network: set XBUILD_TEST_DEBOOTSTRAP=1")
	}
	needRoot(t)
	work := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	lw := &signalWriter{want: "I: Installing core packages...", hit: make(chan struct{}), work: work}
	go func() {
		select {
		case <-lw.hit: // the chroot is mounted and dpkg runs
		case <-time.After(5 * time.Minute):
		}
		cancel()
	}()
	_, err := Debootstrap(ctx, manifests.Seed{Suite: "bookworm", Variant: "minbase"}, &fakeSnapshotter{}, DebootstrapOptions{Log: lw, WorkDir: work})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Debootstrap after cancel: %v, want context.Canceled", err)
	}
	if left, _ := os.ReadDir(work); len(left) != 0 {
		t.Errorf("left in the work dir: %v", left)
	}
	if left, _ := mountsUnder(work); len(left) != 0 {
		t.Errorf("still mounted: %v", left)
	}
	if len(lw.mounted) == 0 {
		t.Errorf("nothing was mounted when the test cancelled: the cleanup went untested")
	}
	t.Logf("mounted at cancel: %v", lw.mounted)
}

type signalWriter struct {
	want    string
	work    string
	seen    strings.Builder
	hit     chan struct{}
	done    bool
	mounted []string // under work when want was seen
}

func (s *signalWriter) Write(p []byte) (int, error) {
	s.seen.Write(p)
	if !s.done && strings.Contains(s.seen.String(), s.want) {
		s.done = true
		s.mounted, _ = mountsUnder(s.work)
		close(s.hit)
	}
	return len(p), nil
}

// checkingSnapshotter checks that the tree is a usable, cleaned build host.
type checkingSnapshotter struct {
	t      *testing.T
	called bool
}

func (c *checkingSnapshotter) Snapshot(ctx context.Context, dir string) (digest.Digest, error) {
	c.called = true
	t := c.t
	for _, p := range []string{"bin/sh", "usr/bin/apt-get", "usr/bin/make", "var/lib/dpkg/status", "etc/apt"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("seed lacks %s: %v", p, err)
		}
	}
	for _, pattern := range []string{"var/cache/apt/*.bin", "var/lib/apt/lists/*_Packages", "var/log/*.log"} {
		if m, _ := filepath.Glob(filepath.Join(dir, pattern)); len(m) != 0 {
			t.Errorf("seed still has %v", m)
		}
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("seed root mode %v, want 0755 (%v)", fi.Mode(), err)
	}
	if left, _ := mountsUnder(dir); len(left) != 0 {
		t.Errorf("mounted while snapshotted: %v", left)
	}
	return (&fakeSnapshotter{}).Snapshot(ctx, dir)
}

func tailOf(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}
