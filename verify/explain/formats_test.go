package explain

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const helloC = `#include <stdio.h>
#ifndef HOST
#define HOST "xbuild"
#endif
const char *built_on = HOST;
const char *when = __DATE__ " " __TIME__;
int main(void) { printf("%s %s\n", built_on, when); return 0; }
`

// cc compiles helloC in dir/sub with the given flags and environment and
// returns the output's bytes.
func cc(t *testing.T, dir, sub string, env []string, args ...string) []byte {
	t.Helper()
	d := filepath.Join(dir, sub)
	write(t, filepath.Join(d, "hello.c"), helloC, time.Time{})
	run(t, d, append([]string{"LC_ALL=C"}, env...), append([]string{"gcc"}, args...)...)
	return read(t, filepath.Join(d, "out"))
}

func TestELF(t *testing.T) {
	needTool(t, "gcc")
	dir := t.TempDir()
	epoch := []string{"SOURCE_DATE_EPOCH=1735689600"}
	later := []string{"SOURCE_DATE_EPOCH=1764460800"}
	obj := []string{"-c", "-O2", "hello.c", "-o", "out"}
	tests := []struct {
		name    string
		a, b    func() []byte
		summary string
		details []string
		hints   []Cause
	}{
		{"hostname in .rodata",
			func() []byte { return cc(t, dir, "h1", epoch, obj...) },
			func() []byte {
				return cc(t, dir, "h2", epoch, append([]string{`-DHOST="xbuild-vary-host"`}, obj...)...)
			},
			"sections differ", []string{".rodata", "+ xbuild-vary-host"}, []Cause{CauseHostname}},
		{"__DATE__ from SOURCE_DATE_EPOCH",
			func() []byte { return cc(t, dir, "d1", epoch, obj...) },
			func() []byte { return cc(t, dir, "d2", later, obj...) },
			"sections differ", []string{".rodata", "Jan  1 2025", "Nov 30 2025"}, []Cause{CauseDate}},
		{"build path in debug info, linked: build-id follows",
			func() []byte {
				return cc(t, dir, "build", epoch, "-g", "-O2", "-Wl,--build-id=sha1", filepath.Join(dir, "build", "hello.c"), "-o", "out")
			},
			func() []byte {
				return cc(t, dir, "xbuild-vary-path/build", epoch, "-g", "-O2", "-Wl,--build-id=sha1", filepath.Join(dir, "xbuild-vary-path/build", "hello.c"), "-o", "out")
			},
			"only the build-id and debug information differ", []string{".note.gnu.build-id", ".debug_line_str"}, []Cause{CauseBuildPath, CauseBuildID}},
		{"build-id style only",
			func() []byte {
				return cc(t, dir, "b1", epoch, "-O2", "-Wl,--build-id=0x00112233445566778899", "hello.c", "-o", "out")
			},
			func() []byte {
				return cc(t, dir, "b2", epoch, "-O2", "-Wl,--build-id=0x99887766554433221100", "hello.c", "-o", "out")
			},
			"only the build-id", []string{".note.gnu.build-id: 10 bytes differ"}, []Cause{CauseBuildID}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := Content("usr/bin/hello", tc.a(), tc.b())
			check(t, e, FormatELF, tc.summary, tc.details, tc.hints)
		})
	}
}

func TestAr(t *testing.T) {
	needTool(t, "gcc", "ar")
	dir := t.TempDir()
	epoch := []string{"SOURCE_DATE_EPOCH=1735689600"}
	// ar U records the members' mtimes, uids and modes (the
	// non-deterministic mode binutils has without
	// --enable-deterministic-archives); ar D zeroes them.
	archive := func(sub, mode string, mtime time.Time, extra ...string) []byte {
		d := filepath.Join(dir, sub)
		cc(t, dir, sub, epoch, append(extra, "-c", "-O2", "hello.c", "-o", "out")...)
		if err := os.Rename(filepath.Join(d, "out"), filepath.Join(d, "hello.o")); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(d, "zz.o.txt"), "not an object\n", mtime)
		if err := os.Chtimes(filepath.Join(d, "hello.o"), mtime, mtime); err != nil {
			t.Fatal(err)
		}
		run(t, d, nil, "ar", "rc"+mode, "libhello.a", "hello.o", "zz.o.txt")
		return read(t, filepath.Join(d, "libhello.a"))
	}
	t1 := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	t2 := t1.Add(3 * time.Minute)
	tests := []struct {
		name    string
		a, b    func() []byte
		summary string
		details []string
		hints   []Cause
	}{
		{"member time stamps only",
			func() []byte { return archive("u1", "U", t1) },
			func() []byte { return archive("u2", "U", t2) },
			"only member headers differ", []string{"hello.o: header only: mtime"}, []Cause{CauseTimestamp}},
		{"member content",
			func() []byte { return archive("c1", "D", t1) },
			func() []byte { return archive("c2", "D", t1, `-DHOST="xbuild-vary-host"`) },
			"1 of 3 members differ in content", []string{"hello.o: elf:", ".rodata"}, []Cause{CauseHostname}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := Content("usr/lib/libhello.a", tc.a(), tc.b())
			check(t, e, FormatAr, tc.summary, tc.details, tc.hints)
		})
	}
}

func TestArOrdering(t *testing.T) {
	needTool(t, "ar")
	dir := t.TempDir()
	for _, n := range []string{"a.o", "b.o"} {
		write(t, filepath.Join(dir, n), "member "+n+"\n", time.Time{})
	}
	run(t, dir, nil, "ar", "rcD", "one.a", "a.o", "b.o")
	run(t, dir, nil, "ar", "rcD", "two.a", "b.o", "a.o")
	e := Content("libx.a", read(t, filepath.Join(dir, "one.a")), read(t, filepath.Join(dir, "two.a")))
	check(t, e, FormatAr, "different order", []string{"a: a.o b.o"}, []Cause{CauseOrdering})
}

func TestCompressed(t *testing.T) {
	needTool(t, "gzip", "xz", "zstd")
	dir := t.TempDir()
	page := ".TH HELLO 1\n.SH NAME\nhello \\- say hello\n.SH DESCRIPTION\nBuilt in /build.\n"
	changed := strings.Replace(page, "/build", "/xbuild-vary-path/build", 1)
	t1 := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	// compress writes content to dir/sub/name with mtime, runs the
	// compressor on it and returns the result.
	compress := func(sub, name, content string, mtime time.Time, args ...string) []byte {
		p := filepath.Join(dir, sub, name)
		write(t, p, content, mtime)
		run(t, filepath.Dir(p), nil, append(args, name)...)
		out, err := filepath.Glob(p + ".*")
		if err != nil || len(out) != 1 {
			t.Fatalf("compressed output of %s: %v %v", p, out, err)
		}
		return read(t, out[0])
	}
	tests := []struct {
		name    string
		format  Format
		a, b    func() []byte
		summary string
		details []string
		hints   []Cause
	}{
		{"gzip header mtime", FormatGzip,
			func() []byte { return compress("g1", "hello.1", page, t1, "gzip", "-9") },
			func() []byte { return compress("g2", "hello.1", page, t1.Add(time.Hour), "gzip", "-9") },
			"only the gzip header differs (mtime 1796000400 vs 1796004000)", nil, []Cause{CauseTimestamp}},
		{"gzip header name", FormatGzip,
			func() []byte { return compress("g3", "hello.1", page, t1, "gzip", "-9") },
			func() []byte { return compress("g4", "hello.1x", page, t1, "gzip", "-9") },
			`name "hello.1" vs "hello.1x"`, nil, []Cause{CauseTimestamp}},
		{"gzip level", FormatGzip,
			func() []byte { return compress("g5", "hello.1", strings.Repeat(page, 50), t1, "gzip", "-n", "-1") },
			func() []byte { return compress("g6", "hello.1", strings.Repeat(page, 50), t1, "gzip", "-n", "-9") },
			"the same payload", []string{"header: xfl 4 vs 2"}, []Cause{CauseCompressor}},
		{"gzip payload", FormatGzip,
			func() []byte { return compress("g7", "hello.1", page, t1, "gzip", "-n") },
			func() []byte { return compress("g8", "hello.1", changed, t1, "gzip", "-n") },
			"the payload differs: 1 line removed, 1 added", []string{"payload: text:", "+Built in /xbuild-vary-path/build."}, []Cause{CauseBuildPath}},
		{"xz preset", FormatXz,
			func() []byte {
				return compress("x1", "hello.1", strings.Repeat(page, 50), t1, "xz", "-0", "--check=crc32")
			},
			func() []byte { return compress("x2", "hello.1", strings.Repeat(page, 50), t1, "xz", "-9") },
			"the same payload", []string{"header: check crc32 vs crc64"}, []Cause{CauseCompressor}},
		{"xz payload", FormatXz,
			func() []byte { return compress("x3", "hello.1", page, t1, "xz") },
			func() []byte { return compress("x4", "hello.1", changed, t1, "xz") },
			"the payload differs", []string{"+Built in /xbuild-vary-path/build."}, []Cause{CauseBuildPath}},
		{"zstd content size", FormatZstd,
			func() []byte { return compress("z1", "hello.1", page, t1, "zstd", "-q", "--no-content-size") },
			func() []byte { return compress("z2", "hello.1", page, t1, "zstd", "-q", "--content-size") },
			"the same payload", []string{"content-size not recorded vs recorded"}, []Cause{CauseCompressor}},
		{"zstd payload", FormatZstd,
			func() []byte { return compress("z3", "hello.1", page, t1, "zstd", "-q") },
			func() []byte { return compress("z4", "hello.1", changed, t1, "zstd", "-q") },
			"the payload differs", []string{"+Built in /xbuild-vary-path/build."}, []Cause{CauseBuildPath}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := Content("usr/share/man/man1/hello.1.gz", tc.a(), tc.b())
			check(t, e, tc.format, tc.summary, tc.details, tc.hints)
		})
	}
}

func TestGzipNIsReproducible(t *testing.T) {
	needTool(t, "gzip")
	dir := t.TempDir()
	for i, mt := range []time.Time{time.Unix(1, 0), time.Unix(1764467368, 0)} {
		write(t, filepath.Join(dir, fmt.Sprint(i), "f"), "same\n", mt)
		run(t, filepath.Join(dir, fmt.Sprint(i)), nil, "gzip", "-n", "f")
	}
	a, b := read(t, filepath.Join(dir, "0", "f.gz")), read(t, filepath.Join(dir, "1", "f.gz"))
	if !bytes.Equal(a, b) {
		t.Fatal("gzip -n output depends on the mtime")
	}
	if e := Content("f.gz", a, b); e.Summary != "identical" || len(e.Hints) != 0 {
		t.Errorf("identical files explained as %+v", e)
	}
}

func TestPyc(t *testing.T) {
	needTool(t, "python3")
	dir := t.TempDir()
	t1 := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	pyc := func(sub string, mtime time.Time) []byte {
		d := filepath.Join(dir, sub)
		write(t, filepath.Join(d, "m.py"), "X = 1\n", mtime)
		run(t, d, []string{"SOURCE_DATE_EPOCH="}, "python3", "-c", "import py_compile; py_compile.compile('m.py', cfile='m.pyc', invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)")
		return read(t, filepath.Join(d, "m.pyc"))
	}
	e := Content("usr/lib/python3/m.pyc", pyc("p1", t1), pyc("p2", t1.Add(time.Minute)))
	check(t, e, FormatPyc, "only the .pyc header differs: source mtime 1796000400 vs 1796000460", nil, []Cause{CauseTimestamp})
}

func TestBinaryAndStreamed(t *testing.T) {
	a := bytes.Repeat([]byte{0, 1, 2, 3}, 1<<16)
	b := bytes.Clone(a)
	copy(a[1000:], "\x00built by xbuild at 01:49:28\x00")
	copy(b[1000:], "\x00built by xbuild-vary-host\x00\x00\x00\x00")
	copy(a[200000:], "\x00seed 20931\x00")
	copy(b[200000:], "\x00seed 77412\x00")

	e := Content("usr/share/blob", a, b)
	check(t, e, FormatBinary, "the first at offset 0x3f8", []string{"+ built by xbuild-vary-host", "- seed 20931"}, []Cause{CauseHostname, CauseRandom})

	s, err := streamed("usr/share/blob", bytes.NewReader(a), int64(len(a)), bytes.NewReader(b), int64(len(b)), 4096)
	if err != nil {
		t.Fatal(err)
	}
	check(t, s, FormatBinary, "2 of 64 4096-byte chunks differ, the first byte at offset 0x3f8", []string{"at 0x0: + built by xbuild-vary-host"}, []Cause{CauseHostname, CauseRandom})

	r, err := Reader("usr/share/blob", bytes.NewReader(a), int64(len(a)), bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary != e.Summary {
		t.Errorf("Reader on a small file: %q, Content: %q", r.Summary, e.Summary)
	}
}

func TestArLongNames(t *testing.T) {
	needTool(t, "ar")
	dir := t.TempDir()
	long := "a_member_name_longer_than_sixteen.txt"
	for i, content := range []string{"built on xbuild\n", "built on xbuild-vary-host\n"} {
		d := filepath.Join(dir, fmt.Sprint(i))
		write(t, filepath.Join(d, long), content, time.Time{})
		write(t, filepath.Join(d, "short.txt"), "same\n", time.Time{})
		run(t, d, nil, "ar", "rcD", "lib.a", long, "short.txt")
	}
	e := Content("lib.a", read(t, filepath.Join(dir, "0", "lib.a")), read(t, filepath.Join(dir, "1", "lib.a")))
	check(t, e, FormatAr, "1 of 2 members differ in content", []string{long + ": text: 1 line removed, 1 added", "+built on xbuild-vary-host"}, []Cause{CauseHostname})
}
