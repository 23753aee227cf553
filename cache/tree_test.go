package cache

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"
)

func TestTreeEncoding(t *testing.T) {
	d := digest.FromString("x")
	good := Tree{Entries: []Entry{
		{Path: "/", Type: TypeDir, Mode: 0o755},
		{Path: "/a", Type: TypeFile, Mode: fs.ModeSetuid | 0o755, Size: 10, Digest: d, MtimeNs: -5, Xattrs: map[string][]byte{"user.b": {0}, "user.a": nil}},
		{Path: "/a b", Type: TypeHardlink, Hardlink: "/a"},
		{Path: "/d", Type: TypeDir, Mode: fs.ModeSticky | 0o777},
		{Path: "/d/l", Type: TypeSymlink, Link: "/abs"},
		{Path: "/d/n", Type: TypeChar, Rdev: 259},
		{Path: "/s", Type: TypeFile, Size: 100, Digest: d, Sparse: []Region{{10, 5}, {50, 5}}},
		{Path: "/z", Type: TypeFile, Size: 100, Sparse: []Region{}},
	}}
	b, err := good.MarshalBinary()
	must(t, "marshal", err)
	var back Tree
	must(t, "unmarshal", back.UnmarshalBinary(b))
	b2, _ := back.MarshalBinary()
	if !slices.Equal(b, b2) {
		t.Error("round trip changed the encoding")
	}
	if ds := Diff(&good, &back); len(ds) != 0 {
		t.Errorf("round trip differs: %v", ds)
	}
	if err := back.UnmarshalBinary(append(b, 0)); err == nil {
		t.Error("trailing byte accepted")
	}

	bad := map[string]func(t *Tree){
		"unsorted":          func(t *Tree) { t.Entries[1], t.Entries[2] = t.Entries[2], t.Entries[1] },
		"no root":           func(t *Tree) { t.Entries = t.Entries[1:] },
		"orphan":            func(t *Tree) { t.Entries[4].Path = "/e/l" },
		"unclean path":      func(t *Tree) { t.Entries[4].Path = "/d/../l" },
		"hardlink to dir":   func(t *Tree) { t.Entries[2].Hardlink = "/" },
		"hardlink metadata": func(t *Tree) { t.Entries[2].UID = 1 },
		"file without hash": func(t *Tree) { t.Entries[1].Digest = "" },
		"type bits in mode": func(t *Tree) { t.Entries[1].Mode |= 1 << 31 },
		"region beyond eof": func(t *Tree) { t.Entries[6].Sparse = []Region{{90, 20}} },
		"digest on a dir":   func(t *Tree) { t.Entries[3].Digest = d },
		"empty symlink":     func(t *Tree) { t.Entries[4].Link = "" },
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			c := Tree{Entries: slices.Clone(good.Entries)}
			mutate(&c)
			if _, err := c.MarshalBinary(); err == nil {
				t.Error("invalid tree encoded")
			}
		})
	}
}

func TestDiff(t *testing.T) {
	d1, d2 := digest.FromString("1"), digest.FromString("2")
	a := &Tree{Entries: []Entry{
		{Path: "/", Type: TypeDir, Mode: 0o755},
		{Path: "/f", Type: TypeFile, Size: 1, Digest: d1, Mode: 0o644, MtimeNs: 1},
		{Path: "/gone", Type: TypeFifo},
		{Path: "/l", Type: TypeSymlink, Link: "x"},
		{Path: "/t", Type: TypeFile},
	}}
	b := &Tree{Entries: []Entry{
		{Path: "/", Type: TypeDir, Mode: 0o755},
		{Path: "/f", Type: TypeFile, Size: 1, Digest: d2, Mode: 0o600, UID: 1, MtimeNs: 2, Xattrs: map[string][]byte{"user.x": nil}},
		{Path: "/l", Type: TypeSymlink, Link: "y"},
		{Path: "/new", Type: TypeDir},
		{Path: "/t", Type: TypeDir},
	}}
	var got []string
	for _, c := range Diff(a, b) {
		got = append(got, c.Path+" "+c.Kind.String())
	}
	want := []string{"/f content", "/f mode", "/f owner", "/f xattr", "/f mtime", "/gone removed", "/l link", "/new added", "/t type"}
	if !slices.Equal(got, want) {
		t.Errorf("Diff = %q\nwant %q", got, want)
	}
}

// TestDigestChanges: every recorded property moves the digest, and Diff
// names it.
func TestDigestChanges(t *testing.T) {
	requireRoot(t)
	base := []fx{
		{path: "/d", kind: 'd', mode: 0o755},
		{path: "/d/f", kind: 'f', data: "content", mode: 0o644},
		{path: "/d/l", kind: 'l', target: "f"},
	}
	s := newStore(t)
	build := func(change func(root string)) *Tree {
		dir := filepath.Join(t.TempDir(), "t")
		must(t, "mkdir", os.Mkdir(dir, 0o755))
		buildTree(t, dir, base)
		if change != nil {
			change(dir)
		}
		tr, err := s.Tree(context.Background(), snap(t, s, dir, SnapshotOptions{}))
		must(t, "tree", err)
		return tr
	}
	keepTimes := func(p string, f func()) {
		var st unix.Stat_t
		must(t, "stat", unix.Lstat(p, &st))
		f()
		must(t, "utimes", unix.UtimesNanoAt(unix.AT_FDCWD, p, []unix.Timespec{st.Atim, st.Mtim}, unix.AT_SYMLINK_NOFOLLOW))
	}
	ref := build(nil)
	refDigest, _ := ref.Digest()
	tests := []struct {
		name   string
		change func(root string)
		kind   ChangeKind
	}{
		{"one byte", func(r string) {
			keepTimes(r+"/d/f", func() { must(t, "w", os.WriteFile(r+"/d/f", []byte("Content"), 0)) })
		}, Content},
		{"mode", func(r string) { keepTimes(r+"/d/f", func() { must(t, "chmod", os.Chmod(r+"/d/f", 0o640)) }) }, Mode},
		{"owner", func(r string) { keepTimes(r+"/d/f", func() { must(t, "chown", os.Lchown(r+"/d/f", 1, 1)) }) }, Owner},
		{"mtime by 1ns", func(r string) {
			var st unix.Stat_t
			must(t, "stat", unix.Lstat(r+"/d/f", &st))
			st.Mtim.Nsec++
			must(t, "utimes", unix.UtimesNano(r+"/d/f", []unix.Timespec{st.Atim, st.Mtim}))
		}, Mtime},
		{"xattr", func(r string) {
			keepTimes(r+"/d/f", func() { must(t, "setxattr", unix.Lsetxattr(r+"/d/f", "user.k", []byte("v"), 0)) })
		}, Xattr},
		{"symlink target", func(r string) {
			keepTimes(r+"/d", func() {
				must(t, "rm", os.Remove(r+"/d/l"))
				must(t, "ln", os.Symlink("g", r+"/d/l"))
			})
			ts := unix.NsecToTimespec(ref.Entries[3].MtimeNs)
			must(t, "utimes", unix.UtimesNanoAt(unix.AT_FDCWD, r+"/d/l", []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW))
		}, Link},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := build(tc.change)
			if d, _ := tr.Digest(); d == refDigest {
				t.Fatal("digest unchanged")
			}
			ch := Diff(ref, tr)
			if len(ch) != 1 || ch[0].Kind != tc.kind {
				t.Errorf("Diff = %+v, want one %s change", ch, tc.kind)
			}
		})
	}
}
