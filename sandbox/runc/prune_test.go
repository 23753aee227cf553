//go:build linux

package runc_test

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xlapp/xbuild/sandbox"
	"github.com/xlapp/xbuild/sandbox/runc"
)

// TestPruneAfterCrash proves that containers of an xbuild killed by SIGKILL
// keep running (nothing else would stop them) and that Prune kills and
// removes them: processes, cgroup and state.
func TestPruneAfterCrash(t *testing.T) {
	requireRoot(t)
	root := busyboxRoot(t, true)
	state := filepath.Join(t.TempDir(), "state")
	id := "crash-" + rand.Text()[:10]
	marker := "marker-" + id

	// A child test process stands in for xbuild: it starts a long run, and
	// is killed with SIGKILL.
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
	cmd.Env = append(os.Environ(), "XBUILD_CRASH_HELPER="+state+"|"+root+"|"+id+"|"+marker)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(findProcesses(t, marker)) < 2 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the helper's container never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	time.Sleep(100 * time.Millisecond)
	if len(findProcesses(t, marker)) == 0 {
		t.Fatal("the orphaned container died by itself; this test expects it to survive")
	}

	r, err := runc.New(state, runc.WithCgroupParent(testCgroupParent))
	if err != nil {
		t.Fatal(err)
	}
	pruned, err := r.Prune(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pruned, []string{id}) {
		t.Errorf("pruned %v, want [%s]", pruned, id)
	}
	if pids := findProcesses(t, marker); len(pids) > 0 {
		t.Errorf("processes left: %v", pids)
	}
	if got := cgroupDirs(t, id); len(got) > 0 {
		t.Errorf("cgroup directories left: %v", got)
	}
	assertEmptyDir(t, state)
}

// TestCrashHelper is the process TestPruneAfterCrash kills; it does nothing
// unless started by it.
func TestCrashHelper(t *testing.T) {
	args := os.Getenv("XBUILD_CRASH_HELPER")
	if args == "" {
		t.Skip("helper process for TestPruneAfterCrash")
	}
	f := strings.Split(args, "|")
	state, root, id, marker := f[0], f[1], f[2], f[3]
	r, err := runc.New(state, runc.WithCgroupParent(testCgroupParent))
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Run(context.Background(), sandbox.Spec{ID: id, Rootfs: root, Env: testEnv,
		Args: []string{"sh", "-c", "(sleep 1000; :) & sleep 1000; : " + marker}})
}
