package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// requireRoot skips tests that need root, except in CI, where they fail:
// a green CI run means they really ran.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("this test needs root (CI is set, so not skipping)")
	}
	t.Skip("needs root")
}

// fx is one fixture entry. Kinds: d dir, f file, l symlink, h hardlink
// (target), c/b device, p fifo, s socket, S sparse file (size, regions
// filled with data).
type fx struct {
	path    string
	kind    byte
	data    string
	target  string
	mode    uint32
	uid     int
	gid     int
	xattrs  map[string]string
	rdev    uint64
	size    int64
	regions []Region
}

// capNetRaw is a valid VFS_CAP_REVISION_2 security.capability value
// granting cap_net_raw, effective.
func capNetRaw() string {
	b := make([]byte, 20)
	binary.LittleEndian.PutUint32(b[0:], 0x02000001)
	binary.LittleEndian.PutUint32(b[4:], 1<<13)
	return string(b)
}

// testOpenParent opens the parent directory of p (rooted) below root,
// component by component, so any path length works.
func testOpenParent(t testing.TB, root, p string) (int, string) {
	t.Helper()
	fd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for _, c := range parts[:len(parts)-1] {
		nfd, err := unix.Openat(fd, c, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
		unix.Close(fd)
		if err != nil {
			t.Fatalf("open %s: %v", p, err)
		}
		fd = nfd
	}
	return fd, parts[len(parts)-1]
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// buildTree creates the fixture under root, then applies owners, xattrs,
// modes and distinct nanosecond mtimes, deepest entries first.
func buildTree(t testing.TB, root string, fxs []fx) {
	t.Helper()
	for _, pass := range []bool{false, true} {
		for _, f := range fxs {
			if (f.kind == 'h') == pass {
				mkEntry(t, root, f)
			}
		}
	}
	setMeta(t, root, fxs)
	ts := unix.NsecToTimespec(1_600_000_000_000_000_001)
	must(t, root, unix.UtimesNano(root, []unix.Timespec{ts, ts}))
}

func mkEntry(t testing.TB, root string, f fx) {
	t.Helper()
	{
		fd, name := testOpenParent(t, root, f.path)
		switch f.kind {
		case 'd':
			must(t, f.path, unix.Mkdirat(fd, name, 0o755))
		case 'f', 'S':
			nfd, err := unix.Openat(fd, name, unix.O_CREAT|unix.O_WRONLY|unix.O_EXCL, 0o644)
			must(t, f.path, err)
			if f.kind == 'f' {
				_, err = unix.Write(nfd, []byte(f.data))
				must(t, f.path, err)
			} else {
				must(t, f.path, unix.Ftruncate(nfd, f.size))
				for _, r := range f.regions {
					_, err = unix.Pwrite(nfd, bytes.Repeat([]byte{byte(r.Offset>>12) | 1}, int(r.Length)), r.Offset)
					must(t, f.path, err)
				}
			}
			unix.Close(nfd)
		case 'l':
			must(t, f.path, unix.Symlinkat(f.target, fd, name))
		case 'h':
			tfd, tname := testOpenParent(t, root, f.target)
			must(t, f.path, unix.Linkat(tfd, tname, fd, name, 0))
			unix.Close(tfd)
		case 'c':
			must(t, f.path, unix.Mknodat(fd, name, unix.S_IFCHR|0o600, int(f.rdev)))
		case 'b':
			must(t, f.path, unix.Mknodat(fd, name, unix.S_IFBLK|0o600, int(f.rdev)))
		case 'p':
			must(t, f.path, unix.Mknodat(fd, name, unix.S_IFIFO|0o600, 0))
		case 's':
			must(t, f.path, unix.Mknodat(fd, name, unix.S_IFSOCK|0o600, 0))
		default:
			t.Fatalf("bad kind %c", f.kind)
		}
		unix.Close(fd)
	}
}

// setMeta applies owners, xattrs, modes and mtimes, deepest first.
func setMeta(t testing.TB, root string, fxs []fx) {
	t.Helper()
	for i := len(fxs) - 1; i >= 0; i-- {
		f := fxs[i]
		if f.kind == 'h' {
			continue
		}
		fd, name := testOpenParent(t, root, f.path)
		must(t, f.path, unix.Fchownat(fd, name, f.uid, f.gid, unix.AT_SYMLINK_NOFOLLOW))
		for k, v := range f.xattrs {
			must(t, f.path+" "+k, unix.Lsetxattr(fmt.Sprintf("/proc/self/fd/%d/%s", fd, name), k, []byte(v), 0))
		}
		if f.kind != 'l' && f.mode != 0 {
			must(t, f.path, unix.Fchmodat(fd, name, f.mode, 0))
		}
		ts := unix.NsecToTimespec(1_700_000_000_000_000_000 + int64(i)*1_000_001_007 + 123)
		must(t, f.path, unix.UtimesNanoAt(fd, name, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW))
		unix.Close(fd)
	}
}

// fancyTree has one of everything the store must keep.
func fancyTree() []fx {
	long := "/deep"
	fxs := []fx{
		{path: "/deep", kind: 'd', mode: 0o700},
		{path: "/bin", kind: 'd', mode: 0o755},
		{path: "/bin/ping", kind: 'f', data: "ping binary\x00\x01", mode: 0o755, xattrs: map[string]string{"security.capability": capNetRaw()}},
		{path: "/bin/su", kind: 'f', data: "su binary", mode: 0o4755},
		{path: "/bin/wall", kind: 'f', data: "wall", mode: 0o2755, gid: 5},
		{path: "/tmp", kind: 'd', mode: 0o1777},
		{path: "/empty", kind: 'd', mode: 0o700},
		{path: "/empty/also empty", kind: 'd', mode: 0o555},
		{path: "/odd", kind: 'f', data: "odd owner", uid: 123456, gid: 654321, mode: 0o640},
		{path: "/x", kind: 'f', data: "xattrs", mode: 0o644, xattrs: map[string]string{"user.a": "1", "user.b": "\x00bin", "trusted.t": "trust"}},
		{path: "/xdir", kind: 'd', mode: 0o750, xattrs: map[string]string{"user.dir": "yes"}},
		{path: "/links", kind: 'd', mode: 0o755},
		{path: "/links/rel", kind: 'l', target: "../x"},
		{path: "/links/abs", kind: 'l', target: "/etc/passwd", uid: 7, gid: 8, xattrs: map[string]string{"trusted.l": "on link"}},
		{path: "/links/dangling", kind: 'l', target: "does/not/exist"},
		{path: "/hard", kind: 'd', mode: 0o755},
		{path: "/hard/one", kind: 'f', data: "linked content", mode: 0o600},
		{path: "/hard/two", kind: 'h', target: "/hard/one"},
		{path: "/a hard three", kind: 'h', target: "/hard/one"},
		{path: "/dup1", kind: 'f', data: "same content", mode: 0o644},
		{path: "/dup2", kind: 'f', data: "same content", mode: 0o600},
		{path: "/empty-file", kind: 'f', mode: 0o644},
		{path: "/dev", kind: 'd', mode: 0o755},
		{path: "/dev/null", kind: 'c', rdev: unix.Mkdev(1, 3), mode: 0o666},
		{path: "/dev/loop0", kind: 'b', rdev: unix.Mkdev(7, 0), mode: 0o660, gid: 6},
		{path: "/dev/fifo", kind: 'p', mode: 0o644},
		{path: "/dev/sock", kind: 's', mode: 0o755},
		{path: "/names", kind: 'd', mode: 0o755},
		{path: "/names/with space", kind: 'f', data: "space", mode: 0o644},
		{path: "/names/with\nnewline", kind: 'f', data: "newline", mode: 0o644},
		{path: "/names/ünïcødé", kind: 'f', data: "utf8", mode: 0o644},
		{path: "/sparse", kind: 'd', mode: 0o755},
		{path: "/sparse/small", kind: 'S', size: 8 << 20, regions: []Region{{Offset: 1 << 20, Length: 4096}, {Offset: 5 << 20, Length: 8192}}, mode: 0o644},
		{path: "/sparse/large", kind: 'S', size: 64 << 20, regions: []Region{{Offset: 0, Length: 256 << 10}, {Offset: 32 << 20, Length: 512 << 10}}, mode: 0o644},
		{path: "/sparse/hole-only", kind: 'S', size: 16 << 20, mode: 0o644},
		{path: "/big", kind: 'f', data: bigData(5<<20 + 17), mode: 0o644},
	}
	for i := 0; len(long) < 5000; i++ {
		long += "/" + strings.Repeat(string(rune('a'+i%26)), 200)
		fxs = append(fxs, fx{path: long, kind: 'd', mode: 0o755})
	}
	fxs = append(fxs,
		fx{path: long + "/file", kind: 'f', data: "deep down", mode: 0o644, xattrs: map[string]string{"user.deep": "1"}},
		fx{path: long + "/big", kind: 'f', data: bigData(300 << 10), mode: 0o644},
		fx{path: long + "/link", kind: 'l', target: "file"},
		fx{path: long + "/hard", kind: 'h', target: "/dup1"},
		fx{path: long + "/fifo", kind: 'p', mode: 0o600},
	)
	slices.SortFunc(fxs, func(a, b fx) int { return strings.Compare(a.path, b.path) })
	return fxs
}

// bigData is n bytes of compressible but non-repeating content.
func bigData(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "line %d of some file, value %x\n", i, sha256.Sum256([]byte{byte(i), byte(i >> 8)}))
	}
	return b.String()[:n]
}

// observed is what an independent lstat/readlink/xattr walk sees of one
// entry (no code shared with the store).
type observed struct {
	mode     uint32
	uid, gid uint32
	mtime    int64
	size     int64
	rdev     uint64
	link     string
	content  string
	xattrs   string
	linkedTo string // first path of its inode group
	blocks   int64
}

func observe(t testing.TB, root string) map[string]observed {
	t.Helper()
	out := map[string]observed{}
	inodes := map[uint64]string{}
	var walk func(fd int, rel string)
	visit := func(fd int, name, p string) {
		var st unix.Stat_t
		flags := unix.AT_SYMLINK_NOFOLLOW
		if name == "" {
			flags |= unix.AT_EMPTY_PATH
		}
		must(t, p, unix.Fstatat(fd, name, &st, flags))
		o := observed{mode: st.Mode, uid: st.Uid, gid: st.Gid, mtime: st.Mtim.Nano(), rdev: st.Rdev, blocks: st.Blocks}
		proc := fmt.Sprintf("/proc/self/fd/%d", fd)
		if name != "" {
			proc += "/" + name
		}
		buf := make([]byte, 64<<10)
		n, err := unix.Llistxattr(proc, buf)
		must(t, p+" listxattr", err)
		names := strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00")
		slices.Sort(names)
		for _, k := range names {
			if k == "" {
				continue
			}
			v := make([]byte, 64<<10)
			m, err := unix.Lgetxattr(proc, k, v)
			must(t, p+" getxattr", err)
			o.xattrs += k + "=" + hex.EncodeToString(v[:m]) + ";"
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			o.size = st.Size
			h := sha256.New()
			rfd, err := unix.Openat(fd, name, unix.O_RDONLY, 0)
			must(t, p, err)
			f := os.NewFile(uintptr(rfd), p)
			if _, err := f.WriteTo(h); err != nil {
				t.Fatal(err)
			}
			f.Close()
			o.content = hex.EncodeToString(h.Sum(nil))
		case unix.S_IFLNK:
			b := make([]byte, 8192)
			n, err := unix.Readlinkat(fd, name, b)
			must(t, p, err)
			o.link = string(b[:n])
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR && st.Nlink > 1 {
			if first, ok := inodes[st.Ino]; ok {
				o.linkedTo = first
			} else {
				inodes[st.Ino] = p
				o.linkedTo = p
			}
		}
		out[p] = o
		if st.Mode&unix.S_IFMT == unix.S_IFDIR && name != "" {
			sub, err := unix.Openat(fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
			must(t, p, err)
			walk(sub, p)
			unix.Close(sub)
		}
	}
	walk = func(fd int, rel string) {
		dup, err := unix.Dup(fd)
		must(t, rel, err)
		f := os.NewFile(uintptr(dup), rel)
		names, err := f.Readdirnames(-1)
		f.Close()
		must(t, rel, err)
		slices.Sort(names)
		for _, n := range names {
			visit(fd, n, rel+"/"+n)
		}
	}
	rfd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	must(t, root, err)
	visit(rfd, "", "/")
	walk(rfd, "")
	unix.Close(rfd)
	return out
}

// compareObserved checks b against a; the inode-group first path may
// differ only if walk orders do, which they do not here. Block counts of
// sparse files must not grow.
func compareObserved(t testing.TB, a, b map[string]observed) {
	t.Helper()
	for p, oa := range a {
		ob, ok := b[p]
		if !ok {
			t.Errorf("%q missing after restore", p)
			continue
		}
		if oa.mode&unix.S_IFMT == unix.S_IFREG && oa.blocks*512 < oa.size {
			if ob.blocks > oa.blocks {
				t.Errorf("%q: sparse file has %d blocks, was %d", p, ob.blocks, oa.blocks)
			}
		}
		ob.blocks, oa.blocks = 0, 0
		if oa != ob {
			t.Errorf("%q differs:\n was %+v\n now %+v", p, oa, ob)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			t.Errorf("%q appeared after restore", p)
		}
	}
}
