package cache

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

// TestCrashHelper is the child of TestCrashSafety: it snapshots a tree and
// is killed on the way. It does nothing in a normal run.
func TestCrashHelper(t *testing.T) {
	store, tree := os.Getenv("XBUILD_CACHE_CRASH_STORE"), os.Getenv("XBUILD_CACHE_CRASH_TREE")
	if store == "" {
		t.Skip("only run as TestCrashSafety's child")
	}
	s, err := Open(store)
	must(t, "open", err)
	s.Workers = 1
	if _, err := s.Snapshot(context.Background(), tree, SnapshotOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestCrashSafety kills a snapshotting process with SIGKILL at several
// moments and checks the store shows no partial blob, pack or snapshot,
// stays usable, and a new snapshot restores exactly.
func TestCrashSafety(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	tree := filepath.Join(t.TempDir(), "tree")
	must(t, "mkdir", os.Mkdir(tree, 0o755))
	start := time.Now()
	genTree(t, tree, 96<<20, 7)
	t.Logf("generated in %v", time.Since(start))
	store := filepath.Join(t.TempDir(), "store")
	for _, delay := range []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), "XBUILD_CACHE_CRASH_STORE="+store, "XBUILD_CACHE_CRASH_TREE="+tree)
		must(t, "start child", cmd.Start())
		deadline := time.Now().Add(30 * time.Second)
		for {
			ents, _ := os.ReadDir(filepath.Join(store, dirTmp))
			if len(ents) > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		time.Sleep(delay)
		must(t, "kill", cmd.Process.Signal(syscall.SIGKILL))
		err := cmd.Wait()
		if err == nil {
			t.Logf("child finished before the kill at +%v", delay)
		}
		checkStore(t, store)
		if snaps, _ := (&Store{root: store}).listSnapshots(); err != nil && len(snaps) != 0 {
			t.Errorf("killed snapshot left %d visible snapshots", len(snaps))
		}
		t.Logf("round %v done at %v", delay, time.Since(start))
	}
	s, err := Open(store)
	must(t, "open", err)
	if tmp, _ := os.ReadDir(s.path(dirTmp)); len(tmp) != 0 {
		t.Errorf("Open left %d temp files", len(tmp))
	}
	d := snap(t, s, tree, SnapshotOptions{})
	dst := filepath.Join(t.TempDir(), "dst")
	must(t, "restore", s.Restore(ctx, d, dst, RestoreOptions{}))
	t.Logf("restored at %v", time.Since(start))
	compareObserved(t, observe(t, tree), observe(t, dst))
}

// checkStore opens the store after a crash: every visible snapshot must
// be complete and every visible pack and blob must verify.
func checkStore(t *testing.T, root string) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(root)
	must(t, "open after crash", err)
	snaps, err := s.listSnapshots()
	must(t, "list", err)
	for _, d := range snaps {
		tr, err := s.Tree(ctx, d)
		if err != nil {
			t.Errorf("visible snapshot %s: %v", d, err)
			continue
		}
		for _, e := range tr.Entries {
			if e.Digest != "" && !s.hasBlob(mustSum(e.Digest), e.StoredSize()) {
				t.Errorf("snapshot %s misses blob of %s", d, e.Path)
			}
		}
	}
	must(t, "index", s.refreshIndex())
	for sm := range s.idx.blobs {
		verifyBlob(t, s, digestOf(sm))
	}
	ents, _ := os.ReadDir(s.path(dirBlobs))
	for _, e := range ents {
		verifyBlob(t, s, digestOf(mustSum(digestFromHex(e.Name()))))
	}
}

func digestFromHex(h string) (d digestT) { return digestT("sha256:" + h) }

func mustSum(d digestT) sum {
	sm, ok := sumOf(d)
	if !ok {
		panic("bad digest " + string(d))
	}
	return sm
}

func verifyBlob(t *testing.T, s *Store, d digestT) {
	t.Helper()
	r, err := s.OpenBlob(context.Background(), d)
	if err == nil {
		_, err = io.Copy(io.Discard, r)
		r.Close()
	}
	var ce *CorruptError
	if errors.As(err, &ce) || err != nil {
		t.Errorf("visible blob %s: %v", strings.TrimPrefix(string(d), "sha256:")[:12], err)
	}
}

type digestT = digest.Digest
