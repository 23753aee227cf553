package cache

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

type readCounter struct {
	mu    sync.Mutex
	paths []string
}

func (r *readCounter) hook(p string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.paths = append(r.paths, p)
}

func (r *readCounter) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.paths
	r.paths = nil
	return p
}

func TestStatCache(t *testing.T) {
	requireRoot(t)
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	must(t, "mkdir", os.Mkdir(src, 0o755))
	fxs := fancyTree()
	buildTree(t, src, fxs)
	time.Sleep(2 * racyWindow) // files changed just now are never trusted
	s := newStore(t)
	var rc readCounter
	opts := SnapshotOptions{ReadHook: rc.hook}

	first := snap(t, s, src, opts)
	nfiles := len(rc.take())
	if nfiles < 10 {
		t.Fatalf("first snapshot read %d files", nfiles)
	}
	if d := snap(t, s, src, opts); d != first {
		t.Fatalf("unchanged tree: %s, want %s", d, first)
	}
	if got := rc.take(); len(got) != 0 {
		t.Errorf("unchanged tree: read %v again", got)
	}

	// same size, same mtime, new content: only the ctime tells
	p := filepath.Join(src, "dup2")
	var st unix.Stat_t
	must(t, "stat", unix.Lstat(p, &st))
	must(t, "write", os.WriteFile(p, []byte("SAME content"), 0))
	must(t, "utimes", unix.UtimesNano(p, []unix.Timespec{st.Atim, st.Mtim}))
	time.Sleep(2 * racyWindow)
	changed := snap(t, s, src, opts)
	if got := rc.take(); len(got) != 1 || got[0] != "/dup2" {
		t.Errorf("after changing /dup2 read %v, want only /dup2", got)
	}
	if changed == first {
		t.Error("changed content, same digest")
	}

	snap(t, s, src, SnapshotOptions{ReadHook: rc.hook, Rehash: true})
	if got := rc.take(); len(got) != nfiles {
		t.Errorf("Rehash read %d files, want %d", len(got), nfiles)
	}

	// a restored tree comes with a stat cache: snapshotting it reads nothing
	dst := filepath.Join(t.TempDir(), "dst")
	must(t, "restore", s.Restore(ctx, changed, dst, RestoreOptions{}))
	time.Sleep(2 * racyWindow)
	if d := snap(t, s, dst, opts); d != changed {
		t.Errorf("restored tree: %s, want %s", d, changed)
	}
	if got := rc.take(); len(got) != 0 {
		t.Errorf("snapshot right after restore read %v", got)
	}
}
