package seed

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"
)

// needRoot skips a test that needs root, except in CI where it must fail:
// a green CI means the real thing ran.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("this test needs root, and CI is set")
	}
	t.Skip("needs root")
}

// listing describes a tree line by line: path, type and mode, owner, size,
// content hash or link target or device number, xattrs. Its digest stands
// in for a snapshot's.
func listing(root string) (string, error) {
	var lines []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %v %d:%d", rel, fi.Mode(), st.Uid, st.Gid)
		switch {
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" %d %x nlink=%d", len(data), sha256.Sum256(data), st.Nlink)
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			line += " -> " + target
		case fi.Mode()&fs.ModeDevice != 0:
			line += fmt.Sprintf(" dev=%d,%d", unix.Major(st.Rdev), unix.Minor(st.Rdev))
		}
		buf := make([]byte, 4096)
		n, err := unix.Llistxattr(p, buf)
		if err == nil && n > 0 {
			names := strings.Split(strings.TrimRight(string(buf[:n]), "\x00"), "\x00")
			sort.Strings(names)
			for _, name := range names {
				if !strings.HasPrefix(name, "user.") {
					continue
				}
				val := make([]byte, 256)
				m, err := unix.Lgetxattr(p, name, val)
				if err != nil {
					return err
				}
				line += fmt.Sprintf(" %s=%s", name, val[:m])
			}
		}
		lines = append(lines, line)
		return nil
	})
	return strings.Join(lines, "\n"), err
}

// fakeSnapshotter records the tree it was given and returns its listing's
// digest.
type fakeSnapshotter struct {
	dir     string
	listing string
	err     error
}

func (f *fakeSnapshotter) Snapshot(ctx context.Context, dir string) (digest.Digest, error) {
	f.dir = dir
	if f.err != nil {
		return "", f.err
	}
	l, err := listing(dir)
	if err != nil {
		return "", err
	}
	f.listing = l
	return digest.FromString(l), nil
}

type entry struct {
	hdr  tar.Header
	body string
}

// rootfsEntries is a tiny root filesystem with what a plain copy would lose:
// owners, setuid, a device node, a fifo, a hard link, an xattr.
func rootfsEntries() []entry {
	return []entry{
		{hdr: tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755}},
		{hdr: tar.Header{Name: "./etc/", Typeflag: tar.TypeDir, Mode: 0o755}},
		{hdr: tar.Header{Name: "./etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644}, body: "root:x:0:0::/root:/bin/bash\n"},
		{hdr: tar.Header{Name: "./usr/", Typeflag: tar.TypeDir, Mode: 0o755}},
		{hdr: tar.Header{Name: "./usr/bin/", Typeflag: tar.TypeDir, Mode: 0o755}},
		{hdr: tar.Header{Name: "./usr/bin/su", Typeflag: tar.TypeReg, Mode: 0o4755}, body: "#!/bin/sh\n"},
		{hdr: tar.Header{Name: "./usr/bin/su2", Typeflag: tar.TypeLink, Linkname: "./usr/bin/su"}},
		{hdr: tar.Header{Name: "./bin", Typeflag: tar.TypeSymlink, Linkname: "usr/bin"}},
		{hdr: tar.Header{Name: "./dev/", Typeflag: tar.TypeDir, Mode: 0o755}},
		{hdr: tar.Header{Name: "./dev/null", Typeflag: tar.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3}},
		{hdr: tar.Header{Name: "./run/", Typeflag: tar.TypeDir, Mode: 0o755}},
		{hdr: tar.Header{Name: "./run/initctl", Typeflag: tar.TypeFifo, Mode: 0o600}},
		{hdr: tar.Header{Name: "./home/", Typeflag: tar.TypeDir, Mode: 0o755}},
		{hdr: tar.Header{Name: "./home/lfs/", Typeflag: tar.TypeDir, Mode: 0o700, Uid: 1000, Gid: 1000}},
		{hdr: tar.Header{Name: "./home/lfs/.profile", Typeflag: tar.TypeReg, Mode: 0o640, Uid: 1000, Gid: 100,
			PAXRecords: map[string]string{"SCHILY.xattr.user.xbuild": "seed"}}, body: "export LFS=/mnt/lfs\n"},
	}
}

const wantListing = `. drwxr-xr-x 0:0
bin Lrwxrwxrwx 0:0 -> usr/bin
dev drwxr-xr-x 0:0
dev/null Dcrw-rw-rw- 0:0 dev=1,3
etc drwxr-xr-x 0:0
etc/passwd -rw-r--r-- 0:0 28 %x nlink=1
home drwxr-xr-x 0:0
home/lfs drwx------ 1000:1000
home/lfs/.profile -rw-r----- 1000:100 20 %x nlink=1 user.xbuild=seed
run drwxr-xr-x 0:0
run/initctl prw------- 0:0
usr drwxr-xr-x 0:0
usr/bin drwxr-xr-x 0:0
usr/bin/su urwxr-xr-x 0:0 10 %x nlink=2
usr/bin/su2 urwxr-xr-x 0:0 10 %x nlink=2`

func expectedListing() string {
	return fmt.Sprintf(wantListing,
		sha256.Sum256([]byte("root:x:0:0::/root:/bin/bash\n")),
		sha256.Sum256([]byte("export LFS=/mnt/lfs\n")),
		sha256.Sum256([]byte("#!/bin/sh\n")),
		sha256.Sum256([]byte("#!/bin/sh\n")))
}

func makeTar(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range rootfsEntries() {
		h := e.hdr
		h.Size = int64(len(e.body))
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func compress(t *testing.T, data []byte, how string) []byte {
	t.Helper()
	var buf bytes.Buffer
	switch how {
	case "tar":
		return data
	case "gzip":
		zw := gzip.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
	case "zstd":
		zw, _ := zstd.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
	case "xz", "bzip2":
		cmd := exec.Command(how, "-c")
		cmd.Stdin = bytes.NewReader(data)
		cmd.Stdout = &buf
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v", how, err)
		}
	}
	return buf.Bytes()
}

func TestImportTarball(t *testing.T) {
	needRoot(t)
	// The extraction goes to TMPDIR: use one that supports user xattrs.
	t.Setenv("TMPDIR", t.TempDir())
	plain := makeTar(t)
	want := expectedListing()
	for _, how := range []string{"tar", "gzip", "xz", "zstd", "bzip2"} {
		t.Run(how, func(t *testing.T) {
			if how == "xz" || how == "bzip2" {
				if _, err := exec.LookPath(how); err != nil {
					t.Skipf("no %s binary", how)
				}
			}
			// A misleading name: the format comes from the magic bytes.
			path := filepath.Join(t.TempDir(), "rootfs.img")
			if err := os.WriteFile(path, compress(t, plain, how), 0o644); err != nil {
				t.Fatal(err)
			}
			snap := &fakeSnapshotter{}
			d, err := Import(context.Background(), path, snap)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if snap.listing != want {
				t.Errorf("imported tree:\n%s\nwant:\n%s", snap.listing, want)
			}
			if d != digest.FromString(want) {
				t.Errorf("digest %s is not the snapshotter's", d)
			}
			if _, err := os.Lstat(snap.dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("temporary tree %s left behind (%v)", snap.dir, err)
			}
		})
	}
}

func TestImportDir(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(dir, "usr/bin/sh"), []byte("#!"), 0o755)
	os.Symlink("usr/bin", filepath.Join(dir, "bin"))
	want, err := listing(dir)
	if err != nil {
		t.Fatal(err)
	}
	snap := &fakeSnapshotter{}
	d, err := Import(context.Background(), dir, snap)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if snap.dir != dir {
		t.Errorf("snapshotted %s, want the directory itself, %s", snap.dir, dir)
	}
	if d != digest.FromString(want) {
		t.Errorf("digest %s, want %s", d, digest.FromString(want))
	}
	if _, err := os.Stat(filepath.Join(dir, "usr/bin/sh")); err != nil {
		t.Errorf("imported directory was changed: %v", err)
	}
}

func TestImportErrors(t *testing.T) {
	dir := t.TempDir()
	notTar := filepath.Join(dir, "notes.txt")
	os.WriteFile(notTar, []byte("just some text, not a tarball"), 0o644)
	broken := filepath.Join(dir, "broken.tar.gz")
	gz := compress(t, makeTar(t), "gzip")
	os.WriteFile(broken, gz[:len(gz)/2], 0o644)

	tests := []struct {
		name, path string
		snapErr    error
		want       string
		root       bool
	}{
		{name: "missing", path: filepath.Join(dir, "nope.tar"), want: "import seed: stat " + filepath.Join(dir, "nope.tar") + ": no such file or directory"},
		{name: "not a tarball", path: notTar, want: "import seed " + notTar + ": not a directory or a tar archive (.tar, .tar.gz, .tar.xz, .tar.zst, .tar.bz2)"},
		{name: "truncated", path: broken, want: "import seed " + broken + ": read gzip: unexpected EOF", root: true},
		{name: "snapshot fails", path: dir, snapErr: errors.New("disk full"), want: "snapshot seed " + dir + ": disk full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root {
				needRoot(t)
			}
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			_, err := Import(context.Background(), tt.path, &fakeSnapshotter{err: tt.snapErr})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Import: %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line", err)
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("left behind in TMPDIR: %v", left)
			}
		})
	}
}
