package test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// withNonce copies a testdata manifest and appends a line to one script,
// so that this run's keys are new and no earlier run's cache interferes.
func withNonce(t *testing.T, name, script string) string {
	t.Helper()
	man := filepath.Join(t.TempDir(), name)
	copyDir(t, filepath.Join("testdata", name), man)
	f, err := os.OpenFile(filepath.Join(man, "scripts", script), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\n: nonce %d\n", time.Now().UnixNano())
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return man
}

// startXbuild starts xbuild with --json and returns a channel of its
// progress events.
func startXbuild(t *testing.T, args ...string) (*exec.Cmd, <-chan map[string]any, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(shared.bin, append([]string{"--json"}, args...)...)
	cmd.Env = append(os.Environ(), "XBUILD_STORE="+shared.store)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var rest bytes.Buffer
	cmd.Stdout = &rest
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	events := make(chan map[string]any, 100)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var ev map[string]any
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				events <- ev
			} else {
				t.Logf("stderr: %s", sc.Text())
			}
		}
	}()
	return cmd, events, &rest
}

func waitEvent(t *testing.T, events <-chan map[string]any, kind string) {
	t.Helper()
	deadline := time.After(5 * time.Minute)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("xbuild ended before event %q", kind)
			}
			if ev["event"] == kind {
				return
			}
		case <-deadline:
			t.Fatalf("no event %q in 5 minutes", kind)
		}
	}
}

// Ctrl-C during a package: exit 130, and no process, mount, cgroup or
// container state is left behind.
func TestInterruptLeavesNothing(t *testing.T) {
	needRoot(t)
	man := withNonce(t, "slow", "nap.sh")
	// The sleeper carries a name of its own: other tests (other packages run
	// in parallel) sleep too.
	tag := fmt.Sprintf("xbuild-nap-%d", time.Now().UnixNano())
	if err := os.WriteFile(filepath.Join(man, "scripts", "nap.sh"), []byte("exec -a "+tag+" sleep 300\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lfs := filepath.Join(t.TempDir(), "lfs")
	cmd, events, _ := startXbuild(t, "--manifest", man, "--lfs", lfs, "stage", "sleepy")
	waitEvent(t, events, "package-start")
	time.Sleep(2 * time.Second) // the container is up and sleeping
	if !sleeperRunning(tag) {
		t.Fatal("the package's sleep is not running: the test cannot check its cleanup")
	}
	start := time.Now()
	_ = cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("after SIGINT: %v, want exit status 130", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %s to stop", d)
	}
	if sleeperRunning(tag) {
		t.Error("the package's process survived the interrupt")
	}
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	for _, l := range strings.Split(string(mi), "\n") {
		if strings.Contains(l, filepath.Join(shared.store, "work")) || strings.Contains(l, lfs) {
			t.Errorf("mount left behind: %s", l)
		}
	}
	for _, dir := range []string{"run", "work"} {
		ents, _ := os.ReadDir(filepath.Join(shared.store, dir))
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "xbuild-sleepy") || strings.HasPrefix(e.Name(), "sleepy-") {
				t.Errorf("%s/%s left behind", dir, e.Name())
			}
		}
	}
	cg, _ := filepath.Glob("/sys/fs/cgroup/*/xbuild/xbuild-sleepy-*")
	cg2, _ := filepath.Glob("/sys/fs/cgroup/xbuild/xbuild-sleepy-*")
	if len(cg)+len(cg2) > 0 {
		t.Errorf("cgroups left behind: %v %v", cg, cg2)
	}
}

// sleeperRunning reports whether the slow fixture's sleep, named tag, is
// alive.
func sleeperRunning(tag string) bool {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err == nil && bytes.HasPrefix(b, []byte(tag+"\x00")) {
			return true
		}
	}
	return false
}

// SIGKILL while a stage is being snapshotted: the store stays consistent,
// the next run completes the stage, and what it restores is what it built.
func TestKillDuringSnapshot(t *testing.T) {
	needRoot(t)
	man := withNonce(t, "big", "data.sh")
	lfs := filepath.Join(t.TempDir(), "lfs")
	cmd, events, _ := startXbuild(t, "--manifest", man, "--lfs", lfs, "stage", "bulk")
	waitEvent(t, events, "snapshot")
	time.Sleep(300 * time.Millisecond)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()

	r := xbuild(t, "--manifest", man, "--lfs", lfs, "stage", "bulk")
	mustOK(t, r)
	rows := plan(t, "--manifest", man)
	if !rows[0].Cached {
		t.Fatalf("after the rerun the stage is not cached: %+v", rows[0])
	}
	dir := filepath.Join(t.TempDir(), "r")
	mustOK(t, xbuild(t, "--manifest", man, "restore", "bulk", "--to", dir))
	got := xbuild(t, "cache", "snapshot", dir)
	mustOK(t, got)
	if strings.TrimSpace(got.stdout) != rows[0].Snapshot {
		t.Fatalf("restored tree is %s, recorded %s", strings.TrimSpace(got.stdout), rows[0].Snapshot)
	}
}

// Bad input gives one line naming the thing and the fix, exit 1, and
// builds nothing.
func TestBadInput(t *testing.T) {
	needRoot(t)
	lfs := filepath.Join(t.TempDir(), "lfs")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"hash mismatch", []string{"--manifest", "testdata/badhash", "--lfs", lfs, "fetch"},
			[]string{"hello-2.10.tar.gz", "31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f5160", "31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b", "quarantine"}},
		{"missing seed", []string{"--manifest", "testdata/noseed", "--lfs", lfs, "stage", "one"},
			[]string{"no seed", "xbuild seed debootstrap"}},
		{"lfs not ours", []string{"--manifest", "demo", "--lfs", "testdata", "stage", "hello"},
			[]string{"is not empty and was not made by xbuild"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := xbuild(t, tc.args...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1", r.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q", w)
				}
			}
			if strings.Contains(r.stderr, "building") {
				t.Error("something was built")
			}
		})
	}
}

// Where root is needed, a user without it gets one line saying so.
func TestNotRoot(t *testing.T) {
	needRoot(t)
	// t.TempDir's parent is private to root: nobody could not run from it.
	dir, err := os.MkdirTemp("", "xbuild-notroot-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "xbuild")
	data, err := os.ReadFile(shared.bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--store", filepath.Join(dir, "store"), "--manifest", "demo", "stage", "hello")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "root") || strings.Count(strings.TrimSpace(string(out)), "\n") > 0 {
		t.Fatalf("as nobody: %v, %q; want exit 1 and one line about root", err, out)
	}
}

// A source that rots in the store (same size, one flipped bit) is caught
// before the package that uses it runs; the next run fetches it again.
func TestCorruptSourceCaught(t *testing.T) {
	needRoot(t)
	man := filepath.Join(t.TempDir(), "demo")
	copyDir(t, "../manifests/demo", man)
	f, err := os.OpenFile(filepath.Join(man, "scripts", "hello.sh"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\n: nonce %d\n", time.Now().UnixNano())
	f.Close()
	mustOK(t, xbuild(t, "--manifest", man, "fetch"))
	blob := filepath.Join(shared.store, "sources", "sha256", "31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b")
	data, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x01
	if err := os.WriteFile(blob, data, 0o444); err != nil {
		t.Fatal(err)
	}
	lfs := filepath.Join(t.TempDir(), "lfs")
	r := xbuild(t, "--manifest", man, "--lfs", lfs, "stage", "hello")
	if r.code != 1 || !strings.Contains(r.stderr, "source hello-2.10.tar.gz of package hello: hash mismatch") || !strings.Contains(r.stderr, "quarantine") {
		t.Fatalf("a rotten source was not caught: exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "hello: done") || strings.Contains(r.stderr, "last 30 lines") {
		t.Fatal("the package ran with a rotten source")
	}
	r = xbuild(t, "--manifest", man, "--lfs", lfs, "stage", "hello")
	mustOK(t, r)
}
