//go:build linux

package runc_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/xlapp/xbuild/sandbox"
	"github.com/xlapp/xbuild/sandbox/runc"
)

const testCgroupParent = "/xbuild-test"

func TestMain(m *testing.M) {
	runc.Init()
	os.Exit(m.Run())
}

// requireRoot skips a test that needs root, or fails it when CI is set, so
// that a green CI means the sandbox really ran.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("this test needs root, and CI is set")
	}
	t.Skip("needs root")
}

func newRunner(t *testing.T) (*runc.Runner, string) {
	t.Helper()
	requireRoot(t)
	state := filepath.Join(t.TempDir(), "state")
	r, err := runc.New(state, runc.WithCgroupParent(testCgroupParent))
	if err != nil {
		t.Fatal(err)
	}
	return r, state
}

// busyboxRoot builds a minimal rootfs from the host's static busybox:
// bin/busybox and a symlink per applet named in applets; with dirs, the
// usual mountpoints (proc, sys, dev, tmp) exist too.
func busyboxRoot(t testing.TB, dirs bool) string {
	t.Helper()
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatalf("busybox-static is needed: %v", err)
	}
	if out, err := exec.Command("file", "-L", bb).CombinedOutput(); err == nil && !bytes.Contains(out, []byte("statically linked")) && !bytes.Contains(out, []byte("static-pie")) {
		t.Fatalf("%s is not static: %s", bb, out)
	}
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bb, "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "busybox" {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(root, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	if dirs {
		for _, d := range []string{"proc", "sys", "dev", "tmp", "etc"} {
			if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var testEnv = []string{"PATH=/bin", "HOME=/"}

// run runs script with /bin/sh in spec and returns its combined output.
func run(t *testing.T, r *runc.Runner, spec sandbox.Spec, script string) (string, error) {
	t.Helper()
	spec.Args = []string{"/bin/sh", "-c", script}
	return runSpec(t, r, spec)
}

// runSpec runs spec (with testEnv if it has no Env) and returns its
// combined output.
func runSpec(t *testing.T, r *runc.Runner, spec sandbox.Spec) (string, error) {
	t.Helper()
	var out bytes.Buffer
	if spec.Env == nil {
		spec.Env = testEnv
	}
	spec.Stdout, spec.Stderr = &out, &out
	err := r.Run(context.Background(), spec)
	return out.String(), err
}

// findProcesses returns the host pids whose command line contains marker.
func findProcesses(t *testing.T, marker string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	self := strconv.Itoa(os.Getpid())
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || e.Name() == self {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if bytes.Contains(cmdline, []byte(marker)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func killPid(pid int) error {
	return syscall.Kill(pid, syscall.SIGKILL)
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind in %s: %s", dir, e.Name())
	}
}

func mkdirs(t *testing.T, base string, dirs ...string) string {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(base, dirs[0])
}

func writeFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// treeListing maps every path under dir (relative, not following symlinks)
// to its mode and size.
func treeListing(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		m[rel] = fmt.Sprintf("%v %d", fi.Mode(), fi.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameKeys(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		if !strings.Contains(k, "bin/") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
