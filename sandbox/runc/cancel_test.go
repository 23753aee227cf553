//go:build linux

package runc_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xlapp/xbuild/sandbox"
)

// TestCancel proves that cancelling a run kills every process of the
// container quickly, and leaves no process, mount, cgroup or state behind.
func TestCancel(t *testing.T) {
	r, state := newRunner(t)
	root := busyboxRoot(t, true)
	id := "cancel-" + rand.Text()[:10]
	marker := "marker-" + id
	// Subshells are forks of sh: they carry the marker in their cmdline,
	// as does the shell itself.
	script := fmt.Sprintf("(sleep 1000; :) & (sleep 1000; :) & sleep 1000; : %s", marker)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- r.Run(ctx, sandbox.Spec{ID: id, Rootfs: root, Args: []string{"sh", "-c", script}, Env: testEnv})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(findProcesses(t, marker)) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the container's processes never appeared")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := cgroupDirs(t, id); len(got) == 0 {
		t.Errorf("no cgroup directory for %s while it runs", id)
	}
	if mountinfoMentions(t, root) {
		t.Errorf("the container's mounts leaked into the host's mount namespace")
	}

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return 10s after cancel")
	}
	took := time.Since(start)
	t.Logf("Run returned %v after cancel", took)
	if took > 3*time.Second {
		t.Errorf("Run took %v to return after cancel", took)
	}
	if pids := findProcesses(t, marker); len(pids) > 0 {
		t.Errorf("processes left: %v", pids)
	}
	if mountinfoMentions(t, root) {
		t.Errorf("mounts of %s left in the host's mountinfo", root)
	}
	if got := cgroupDirs(t, id); len(got) > 0 {
		t.Errorf("cgroup directories left: %v", got)
	}
	assertEmptyDir(t, state)
}

// TestCancelledBeforeStart proves that a cancelled context starts nothing.
func TestCancelledBeforeStart(t *testing.T) {
	r, state := newRunner(t)
	root := busyboxRoot(t, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := r.Run(ctx, sandbox.Spec{Rootfs: root, Args: []string{"true"}, Env: testEnv})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	assertEmptyDir(t, state)
}

// TestSetupFailure proves that a container whose setup fails half-way is
// torn down: no state, cgroup or mountpoint left, and the error is not an
// ExitError.
func TestSetupFailure(t *testing.T) {
	r, state := newRunner(t)
	root := busyboxRoot(t, false)
	before := treeListing(t, root)
	tests := []struct {
		name string
		spec sandbox.Spec
		want string
	}{
		{name: "no such command", spec: sandbox.Spec{Args: []string{"/no/such/command"}}, want: "no such file"},
		{name: "no such mount source", spec: sandbox.Spec{Args: []string{"true"}, Mounts: []sandbox.Mount{{Source: "/no/such/dir", Destination: "/x"}}}, want: "/no/such/dir"},
		{name: "relative rootfs", spec: sandbox.Spec{Args: []string{"true"}}, want: "not an absolute path"},
		{name: "rootfs is a file", spec: sandbox.Spec{Args: []string{"true"}}, want: "not a directory"},
		{name: "bad cpuset", spec: sandbox.Spec{Args: []string{"true"}, Cpuset: "99"}, want: "cpuset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "setup-" + rand.Text()[:10]
			tt.spec.ID, tt.spec.Env = id, testEnv
			switch tt.name {
			case "relative rootfs":
				tt.spec.Rootfs = "rootfs"
			case "rootfs is a file":
				tt.spec.Rootfs = filepath.Join(root, "bin/busybox")
			default:
				tt.spec.Rootfs = root
			}
			err := r.Run(context.Background(), tt.spec)
			var ee *sandbox.ExitError
			if err == nil || errors.As(err, &ee) || !strings.Contains(strings.ToLower(err.Error()), tt.want) {
				t.Fatalf("err = %v, want a setup error mentioning %q", err, tt.want)
			}
			t.Logf("err = %v", err)
			if got := cgroupDirs(t, id); len(got) > 0 {
				t.Errorf("cgroup directories left: %v", got)
			}
			assertEmptyDir(t, state)
			if after := treeListing(t, root); !sameKeys(before, after) {
				t.Errorf("rootfs changed: %v", keys(after))
			}
		})
	}
}

// cgroupDirs returns the cgroup directories of container id that exist, in
// any v1 hierarchy or the v2 tree.
func cgroupDirs(t *testing.T, id string) []string {
	t.Helper()
	var found []string
	for _, pattern := range []string{"/sys/fs/cgroup/*" + testCgroupParent + "/" + id, "/sys/fs/cgroup" + testCgroupParent + "/" + id} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, m...)
	}
	return found
}

func mountinfoMentions(t *testing.T, path string) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, path) {
			t.Logf("mountinfo: %s", l)
			return true
		}
	}
	return false
}

// TestHostMountNamespaceKept proves that after runs with bind mounts the
// process as a whole (/proc/self, i.e. the main thread) is still in the
// host's mount namespace: no libcontainer thread parked the main thread in
// a container's namespace, pinning its mounts.
func TestHostMountNamespaceKept(t *testing.T) {
	r, _ := newRunner(t)
	root := busyboxRoot(t, true)
	src := mkdirs(t, t.TempDir(), "src")
	before, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		out, err := run(t, r, sandbox.Spec{Rootfs: root, Mounts: []sandbox.Mount{{Source: src, Destination: "/mnt"}}}, "true")
		if err != nil {
			t.Fatalf("%v; output:\n%s", err, out)
		}
	}
	after, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	if before != after {
		t.Errorf("mount namespace of the main thread: %s before, %s after", before, after)
	}
	if mountinfoMentions(t, root) {
		t.Errorf("mounts of %s visible in /proc/self/mountinfo", root)
	}
}
