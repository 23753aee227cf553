package report

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xlapp/xbuild/cache"
	"github.com/xlapp/xbuild/verify/explain"
)

// tree is a declarative fixture: files (content), symlinks ("->target"),
// each with a mode.
type node struct {
	content string
	mode    os.FileMode
}

func makeTree(t *testing.T, dir string, nodes map[string]node) {
	t.Helper()
	for p, n := range nodes {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(n.content, "->"); ok {
			if err := os.Symlink(target, full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(full, []byte(n.content), n.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(full, n.mode); err != nil {
			t.Fatal(err)
		}
	}
}

func gz(t *testing.T, name, content string, mtime time.Time) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Name, w.ModTime = name, mtime
	if _, err := w.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// big returns n bytes of a repeating pattern with text at offset at.
func big(n, at int, text string) string {
	b := bytes.Repeat([]byte("0123456789abcdef"), n/16)
	copy(b[at:], "\x00"+text+"\x00")
	return string(b)
}

// TestFromChanges snapshots two real trees into a real store, diffs
// them with cache.Diff and explains the changes from the stored blobs.
func TestFromChanges(t *testing.T) {
	ctx := context.Background()
	store, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sde := time.Unix(1735689600, 0)
	page := ".TH X 1\nBuilt in /build\n"
	size := explain.MaxInMemory + 1<<20
	a := map[string]node{
		"etc/date":                  {"built Mon Nov 30 01:49:28 UTC 2026\n", 0o644},
		"etc/same":                  {"same\n", 0o644},
		"usr/bin/tool":              {"#!/bin/sh\necho hi\n", 0o755},
		"usr/lib/libx.so":           {"->libx.so.1", 0},
		"usr/share/man/man1/x.1.gz": {gz(t, "x.1", page, sde.Add(time.Hour)), 0o644},
		"usr/share/big":             {big(size, 40<<20, "built on xbuild"), 0o644},
		"var/only-a":                {"a\n", 0o644},
		"empty":                     {"", 0o644},
	}
	b := map[string]node{
		"etc/date":                  {"built Mon Nov 30 01:52:03 UTC 2026\n", 0o644},
		"etc/same":                  {"same\n", 0o644},
		"usr/bin/tool":              {"#!/bin/sh\necho hi\n", 0o775},
		"usr/lib/libx.so":           {"->libx.so.2", 0},
		"usr/share/man/man1/x.1.gz": {gz(t, "x.1", page, sde.Add(2*time.Hour)), 0o644},
		"usr/share/big":             {big(size, 40<<20, "built on xbuild-vary-host"), 0o644},
		"etc/xbuild-vary-host.conf": {"x\n", 0o644},
		"empty":                     {"", 0o644},
	}
	dirs := [2]string{t.TempDir(), t.TempDir()}
	makeTree(t, dirs[0], a)
	makeTree(t, dirs[1], b)
	if os.Geteuid() == 0 {
		if err := os.Lchown(filepath.Join(dirs[1], "etc/same"), 1001, 1001); err != nil {
			t.Fatal(err)
		}
	} else if os.Getenv("CI") != "" {
		t.Fatal("this test must run as root in CI (it changes a file's owner)")
	}
	var trees [2]*cache.Tree
	for i, d := range dirs {
		snap, err := store.Snapshot(ctx, d, cache.SnapshotOptions{ClampMtime: &sde})
		if err != nil {
			t.Fatal(err)
		}
		if trees[i], err = store.Tree(ctx, snap); err != nil {
			t.Fatal(err)
		}
	}
	diffs, err := FromChanges(ctx, cache.Diff(trees[0], trees[1]), store)
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		path string
		kind Kind
	}
	got := map[key][]explain.Cause{}
	for _, d := range diffs {
		var cs []explain.Cause
		for _, h := range d.Hints {
			cs = append(cs, h.Cause)
		}
		got[key{strings.TrimPrefix(d.Path, "/"), d.Kind}] = cs
	}
	want := map[key][]explain.Cause{
		{"etc/date", ContentKind}:                  {explain.CauseDate},
		{"usr/bin/tool", Mode}:                     {explain.CauseUmask},
		{"usr/lib/libx.so", LinkTarget}:            nil,
		{"usr/share/man/man1/x.1.gz", ContentKind}: {explain.CauseTimestamp},
		{"usr/share/big", ContentKind}:             {explain.CauseHostname},
		{"var/only-a", OnlyInA}:                    nil,
		{"var", OnlyInA}:                           nil,
		{"etc/xbuild-vary-host.conf", OnlyInB}:     {explain.CauseHostname},
	}
	if os.Geteuid() == 0 {
		want[key{"etc/same", Owner}] = []explain.Cause{explain.CauseUser}
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s %s: not reported", k.path, k.kind)
			continue
		}
		if !slices.Equal(g, w) {
			t.Errorf("%s %s: hints %v, want %v", k.path, k.kind, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s %s: reported, but does not differ", k.path, k.kind)
		}
	}
	for _, d := range diffs {
		if strings.HasSuffix(d.Path, "big") && !strings.Contains(d.Explanation.Summary, "too big to open") {
			t.Errorf("big file not streamed: %s", d.Explanation.Summary)
		}
		if d.Kind == Mode && (d.A != "0755" || d.B != "0775") {
			t.Errorf("mode %s vs %s", d.A, d.B)
		}
	}
}
