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

// TestStatCacheXattrs: the stat cache remembers xattrs too, so a cached
// file's are not read again; setting or removing one moves the ctime,
// and the next snapshot sees it (empty files included).
func TestStatCacheXattrs(t *testing.T) {
	requireRoot(t)
	tests := []struct {
		name   string
		path   string
		change func(p string) error
	}{
		{"xattr added", "/x", func(p string) error { return unix.Lsetxattr(p, "user.new", []byte("v"), 0) }},
		{"xattr changed", "/x", func(p string) error { return unix.Lsetxattr(p, "user.a", []byte("2"), 0) }},
		{"xattr removed", "/x", func(p string) error { return unix.Lremovexattr(p, "user.b") }},
		{"capability on a binary", "/bin/ping", func(p string) error { return unix.Lremovexattr(p, "security.capability") }},
		{"xattr on an empty file", "/empty-file", func(p string) error { return unix.Lsetxattr(p, "user.e", []byte("1"), 0) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			src := filepath.Join(t.TempDir(), "src")
			must(t, "mkdir", os.Mkdir(src, 0o755))
			buildTree(t, src, fancyTree())
			time.Sleep(2 * racyWindow)
			s := newStore(t)
			first := snap(t, s, src, SnapshotOptions{})
			if d := snap(t, s, src, SnapshotOptions{}); d != first {
				t.Fatalf("unchanged tree: %s, want %s", d, first)
			}
			// the same change through a restored tree's stat cache
			dst := filepath.Join(t.TempDir(), "dst")
			must(t, "restore", s.Restore(ctx, first, dst, RestoreOptions{}))
			for _, root := range []string{src, dst} {
				must(t, "change", tc.change(filepath.Join(root, tc.path)))
				time.Sleep(2 * racyWindow)
				cached := snap(t, s, root, SnapshotOptions{})
				if cached == first {
					t.Fatalf("%s: digest unchanged after the change", root)
				}
				if rehashed := snap(t, s, root, SnapshotOptions{Rehash: true}); rehashed != cached {
					t.Errorf("%s: with the stat cache %s, reading everything %s", root, cached, rehashed)
				}
			}
		})
	}
}

// TestStatCacheHardlinks: a file with several links is cached under its
// first path in byte order, which restore writes, not the one walked
// first ("/a/x" is walked before "/a.b", which sorts before it).
func TestStatCacheHardlinks(t *testing.T) {
	requireRoot(t)
	src := filepath.Join(t.TempDir(), "src")
	must(t, "mkdir", os.Mkdir(src, 0o755))
	buildTree(t, src, []fx{
		{path: "/a", kind: 'd', mode: 0o755},
		{path: "/a/x", kind: 'f', data: bigData(40 << 10), mode: 0o644},
		{path: "/a.b", kind: 'h', target: "/a/x"},
		{path: "/z", kind: 'h', target: "/a/x"},
	})
	time.Sleep(2 * racyWindow)
	s := newStore(t)
	var rc readCounter
	opts := SnapshotOptions{ReadHook: rc.hook}
	first := snap(t, s, src, opts)
	if got := rc.take(); len(got) != 1 || got[0] != "/a.b" {
		t.Errorf("first snapshot read %v, want [/a.b]", got)
	}
	dst := filepath.Join(t.TempDir(), "dst")
	must(t, "restore", s.Restore(context.Background(), first, dst, RestoreOptions{}))
	time.Sleep(2 * racyWindow)
	for _, dir := range []string{src, dst} {
		if d := snap(t, s, dir, opts); d != first {
			t.Errorf("%s: %s, want %s", dir, d, first)
		}
		if got := rc.take(); len(got) != 0 {
			t.Errorf("%s: read %v again", dir, got)
		}
	}
}
