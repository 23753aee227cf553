package cache

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// Benchmarks run on a synthetic tree of XBUILD_BENCH_MB megabytes
// (default 64), generated once under XBUILD_BENCH_DIR (default
// /var/cache/xbuild-test) and kept there. Restores go to
// XBUILD_BENCH_RESTORE_DIR (default /dev/shm, a tmpfs, when it exists).
// XBUILD_BENCH_TREE names an existing tree to use instead;
// XBUILD_BENCH_LEVEL a zstd level (fastest, default, better, best).
//
//	XBUILD_BENCH_MB=2048 go test ./cache -run XXX -bench . -benchtime 3x

func benchBase(b *testing.B) string {
	base := os.Getenv("XBUILD_BENCH_DIR")
	if base == "" {
		base = "/var/cache/xbuild-test"
	}
	must(b, "mkdir", os.MkdirAll(base, 0o755))
	return base
}

// benchTree returns the benchmark tree and its content size. A tree named
// by XBUILD_BENCH_TREE is used as it is instead.
func benchTree(b *testing.B) (string, int64) {
	if dir := os.Getenv("XBUILD_BENCH_TREE"); dir != "" {
		return dir, duBytes(dir)
	}
	mb := int64(64)
	if v := os.Getenv("XBUILD_BENCH_MB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		must(b, "XBUILD_BENCH_MB", err)
		mb = n
	}
	dir := filepath.Join(benchBase(b), "bench-tree-"+strconv.FormatInt(mb, 10)+"MB")
	done := dir + ".done"
	if _, err := os.Stat(done); err != nil {
		os.RemoveAll(dir)
		must(b, "mkdir", os.Mkdir(dir, 0o755))
		n := genTree(b, dir, mb<<20, 1)
		must(b, "mark", os.WriteFile(done, []byte(strconv.Itoa(n)), 0o644))
	}
	return dir, duBytes(dir)
}

func benchStore(b *testing.B) *Store {
	dir, err := os.MkdirTemp(benchBase(b), "store-")
	must(b, "mkdir", err)
	b.Cleanup(func() { os.RemoveAll(dir) })
	s, err := Open(dir)
	must(b, "open", err)
	if l := os.Getenv("XBUILD_BENCH_LEVEL"); l != "" {
		ok, lvl := zstd.EncoderLevelFromString(l)
		if !ok {
			b.Fatalf("XBUILD_BENCH_LEVEL %q: not a zstd level name", l)
		}
		s.Level = lvl
	}
	return s
}

func duBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func peakRSS(b *testing.B) {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, l := range strings.Split(string(st), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			b.ReportMetric(kb/1024, "peakRSS-MB")
		}
	}
}

func BenchmarkSnapshot(b *testing.B) {
	requireRoot(b)
	tree, size := benchTree(b)
	b.SetBytes(size)
	var stored int64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s := benchStore(b)
		b.StartTimer()
		if _, err := s.Snapshot(context.Background(), tree, SnapshotOptions{Rehash: true}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		stored = duBytes(s.Root())
		os.RemoveAll(s.Root())
		b.StartTimer()
	}
	b.ReportMetric(float64(stored)/float64(size), "stored/raw")
	b.ReportMetric(float64(stored)/(1<<20), "stored-MB")
	peakRSS(b)
}

func BenchmarkSnapshotUnchanged(b *testing.B) {
	requireRoot(b)
	tree, size := benchTree(b)
	s := benchStore(b)
	if _, err := s.Snapshot(context.Background(), tree, SnapshotOptions{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		if _, err := s.Snapshot(context.Background(), tree, SnapshotOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRestore(b *testing.B) {
	requireRoot(b)
	tree, size := benchTree(b)
	s := benchStore(b)
	d, err := s.Snapshot(context.Background(), tree, SnapshotOptions{})
	must(b, "snapshot", err)
	target := os.Getenv("XBUILD_BENCH_RESTORE_DIR")
	if target == "" {
		target = benchBase(b)
		if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
			target = "/dev/shm"
		}
	}
	b.SetBytes(size)
	b.ResetTimer()
	for i := range b.N {
		dst := filepath.Join(target, "xbuild-restore-bench-"+strconv.Itoa(i))
		if err := s.Restore(context.Background(), d, dst, RestoreOptions{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(dst)
		b.StartTimer()
	}
	peakRSS(b)
}
