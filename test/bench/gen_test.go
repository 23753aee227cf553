package bench

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// listing describes every entry of a tree (path, type, mode, size, link
// target or content hash) in walk order.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		line := fmt.Sprintf("%s %v", rel, fi.Mode())
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			line += " -> " + target
		case d.Type().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" %d %x", len(data), sha256.Sum256(data))
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateShape(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	sa, err := Generate(t.Context(), a, 8e6, 3)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := Generate(t.Context(), b, 8e6, 3)
	if err != nil {
		t.Fatal(err)
	}
	if sa != sb || strings.Join(listing(t, a), "\n") != strings.Join(listing(t, b), "\n") {
		t.Fatalf("the same seed gave different trees: %v, %v", sa, sb)
	}
	if sa.Bytes < 8e6 || sa.Bytes > 8e6+4<<20 {
		t.Errorf("content %d bytes, want about 8 MB", sa.Bytes)
	}
	if sa.Symlinks == 0 || sa.Hardlinks == 0 || sa.Dirs < 10 {
		t.Errorf("want symlinks, hardlinks and nested dirs: %v", sa)
	}
	if pct := 100 * sa.Small / sa.Files; pct < 75 || pct > 92 {
		t.Errorf("%d%% of files under 16 KiB, want about 84%%", pct)
	}
	c := t.TempDir()
	if _, err := Generate(t.Context(), c, 8e6, 4); err != nil {
		t.Fatal(err)
	}
	if strings.Join(listing(t, a), "\n") == strings.Join(listing(t, c), "\n") {
		t.Error("different seeds gave the same tree")
	}
}

func TestMutate(t *testing.T) {
	dir := t.TempDir()
	sh, err := Generate(t.Context(), dir, 4e6, 5)
	if err != nil {
		t.Fatal(err)
	}
	before := listing(t, dir)
	n0, _, err := Mutate(t.Context(), dir, 20, 0, 9)
	if err != nil {
		t.Fatal(err)
	}
	mid := listing(t, dir)
	n1, _, err := Mutate(t.Context(), dir, 20, 1, 9)
	if err != nil {
		t.Fatal(err)
	}
	after := listing(t, dir)
	// every regular path is counted, hardlinks included
	regular := sh.Files + sh.Hardlinks
	for _, n := range []int{n0, n1} {
		if n < regular/20 || n > regular/20+1 {
			t.Errorf("changed %d of %d files, want 5%%", n, regular)
		}
	}
	if len(before) != len(after) {
		t.Fatalf("mutate added or removed entries: %d -> %d", len(before), len(after))
	}
	changed01, changed1 := 0, 0
	for i := range before {
		if before[i] != after[i] {
			changed01++
		}
		if mid[i] != after[i] {
			changed1++
		}
		// sizes stay (empty files get content)
		if fb, fa := strings.Fields(before[i]), strings.Fields(after[i]); len(fb) == 4 && fb[2] != "0" && fb[2] != fa[2] {
			t.Errorf("size changed: %s -> %s", before[i], after[i])
		}
	}
	// hardlinks can make one rewrite show at two paths
	if changed1 < n1 || changed01 < n0+n1 || changed01 > 2*(n0+n1) {
		t.Errorf("entries changed: %d by both phases (files %d+%d), %d by the second", changed01, n0, n1, changed1)
	}
}

func TestCopyUpTo(t *testing.T) {
	src := t.TempDir()
	if _, err := Generate(t.Context(), src, 16e6, 6); err != nil {
		t.Fatal(err)
	}
	whole := t.TempDir()
	all, err := CopyUpTo(t.Context(), whole, 1<<40, src)
	if err != nil {
		t.Fatal(err)
	}
	if all.Symlinks == 0 || all.Hardlinks == 0 {
		t.Errorf("want symlinks and hardlinks copied: %v", all)
	}
	if got, want := listing(t, filepath.Join(whole, filepath.Base(src))), listing(t, src); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("a copy within budget differs from its source")
	}
	dst := t.TempDir()
	sh, err := CopyUpTo(t.Context(), dst, all.Bytes/2, src)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Bytes > all.Bytes/2 || sh.Bytes < all.Bytes/4 {
		t.Errorf("copied %d bytes with a budget of %d", sh.Bytes, all.Bytes/2)
	}
	// What was copied is the source: same listing (modes, sizes, link
	// targets, mtimes) for every copied path, and hardlinks still linked.
	want := map[string]string{}
	for _, l := range listing(t, src) {
		want[strings.SplitN(l, " ", 2)[0]] = l
	}
	copied := listing(t, filepath.Join(dst, filepath.Base(src)))
	if len(copied) < 10 {
		t.Fatalf("copied only %d entries", len(copied))
	}
	for _, l := range copied {
		name := strings.SplitN(l, " ", 2)[0]
		if name == "." {
			continue
		}
		if want[name] != l {
			t.Errorf("copy differs:\n got %s\nwant %s", l, want[name])
		}
		a, errA := os.Lstat(filepath.Join(src, name))
		b, errB := os.Lstat(filepath.Join(dst, filepath.Base(src), name))
		if errA != nil || errB != nil || (!a.IsDir() && !a.ModTime().Equal(b.ModTime())) {
			t.Errorf("%s: mtime %v, copied %v (%v %v)", name, a.ModTime(), b.ModTime(), errA, errB)
		}
	}
}

// TestContentCompressesLikeUsr checks the generator against the two
// numbers measured on a 2 GB copy of this machine's /usr (see content):
// how well `zstd -3` shrinks a tar of the tree, and how much larger
// `zstd -1` output is. A generator outside these bands would flatter or
// penalise the store, which compresses at a faster level than the anchor.
func TestContentCompressesLikeUsr(t *testing.T) {
	dir := t.TempDir()
	sh, err := Generate(t.Context(), dir, 40e6, 1)
	if err != nil {
		t.Fatal(err)
	}
	size := func(level string) float64 {
		tar := exec.CommandContext(t.Context(), "tar", "-C", dir, "-cf", "-", ".")
		zstd := exec.CommandContext(t.Context(), "zstd", "-q", "-T0", level, "-c")
		var err error
		if zstd.Stdin, err = tar.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
		var n countWriter
		zstd.Stdout = &n
		if err := tar.Start(); err != nil {
			t.Fatal(err)
		}
		if err := zstd.Run(); err != nil {
			t.Fatalf("zstd %s: %v", level, err)
		}
		if err := tar.Wait(); err != nil {
			t.Fatal(err)
		}
		return float64(n)
	}
	raw, fast, three := float64(sh.Bytes), size("-1"), size("-3")
	ratio, gap := raw/three, fast/three
	t.Logf("zstd -3 %.2f:1, zstd -1 output %.1f%% larger", ratio, 100*(gap-1))
	if ratio < 2.4 || ratio > 3.2 {
		t.Errorf("zstd -3 shrinks the tree %.2f:1, want about 2.8:1 as /usr", ratio)
	}
	if gap < 1.06 || gap > 1.16 {
		t.Errorf("zstd -1 output is %.1f%% larger than zstd -3 output, want about 12%% as /usr", 100*(gap-1))
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
