package sources

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/xlapp/xbuild/manifests"
)

// content returns n deterministic bytes that differ per seed.
func content(seed string, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7+len(seed)) ^ seed[i%len(seed)]
	}
	return b
}

func sourceFor(file string, data []byte, urls ...string) manifests.Source {
	return manifests.Source{File: file, SHA256: digest.FromBytes(data), Size: int64(len(data)), URLs: urls}
}

func openStore(t *testing.T) *Store {
	t.Helper()
	st, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// checkStored asserts that src is in the store with exactly data.
func checkStored(t *testing.T, st *Store, src manifests.Source, data []byte) {
	t.Helper()
	p, err := st.Path(context.Background(), src)
	if err != nil {
		t.Fatalf("Path(%s): %v", src.File, err)
	}
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("stored %s differs from the source (%d bytes, want %d)", src.File, len(got), len(data))
	}
	if err := st.Verify(context.Background(), src); err != nil {
		t.Fatalf("Verify(%s): %v", src.File, err)
	}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// files serves fixed contents by path, counts requests, and honours Range
// requests through http.ServeContent.
type files struct {
	mu       sync.Mutex
	byPath   map[string][]byte
	requests []string // "path range"
}

func (f *files) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, strings.TrimSpace(r.URL.Path+" "+r.Header.Get("Range")))
	data, ok := f.byPath[r.URL.Path]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

func (f *files) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

type event struct{ kind, file, detail string }

type recorder struct {
	mu     sync.Mutex
	events []event
}

func (r *recorder) add(e event) { r.mu.Lock(); r.events = append(r.events, e); r.mu.Unlock() }
func (r *recorder) Start(file string, size int64) {
	r.add(event{"start", file, fmt.Sprint(size)})
}
func (r *recorder) Progress(file string, done int64) {}
func (r *recorder) Done(file string, err error, from string) {
	if err != nil {
		from = "error"
	}
	r.add(event{"done", file, from})
}

func TestFetchURLThenPresent(t *testing.T) {
	data := content("hello", 300<<10)
	srv := &files{byPath: map[string][]byte{"/hello.tar.gz": data}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	st := openStore(t)
	src := sourceFor("hello.tar.gz", data, ts.URL+"/missing.tar.gz", ts.URL+"/hello.tar.gz")
	ctx := context.Background()

	if _, err := st.Path(ctx, src); !errors.Is(err, ErrMissing) {
		t.Fatalf("Path before fetch: %v, want ErrMissing", err)
	}
	rec := &recorder{}
	if err := st.Fetch(ctx, []manifests.Source{src}, Options{Reporter: rec}); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	checkStored(t, st, src, data)
	want := []event{{"start", "hello.tar.gz", "307200"}, {"done", "hello.tar.gz", ts.URL + "/hello.tar.gz"}}
	if fmt.Sprint(rec.events) != fmt.Sprint(want) {
		t.Errorf("reported %v, want %v", rec.events, want)
	}
	fi, err := os.Stat(filepath.Join(st.Root(), "sha256", src.SHA256.Encoded()))
	if err != nil || fi.Mode().Perm() != 0o444 {
		t.Errorf("stored file mode %v, %v, want read-only", fi.Mode(), err)
	}

	// Present already: no request at all, nothing reported.
	n := len(srv.Requests())
	rec2 := &recorder{}
	if err := st.Fetch(ctx, []manifests.Source{src}, Options{Reporter: rec2}); err != nil {
		t.Fatalf("second Fetch: %v", err)
	}
	if got := len(srv.Requests()); got != n {
		t.Errorf("second Fetch made %d requests, want none", got-n)
	}
	if len(rec2.events) != 0 {
		t.Errorf("second Fetch reported %v, want nothing", rec2.events)
	}
}

// breakingServer serves data, except that its first answer announces the
// whole file, sends the first half and drops the connection; later requests
// must ask for the rest with a Range. served counts the bytes sent in all.
func breakingServer(t *testing.T, data []byte) (ts *httptest.Server, served *atomic.Int64) {
	t.Helper()
	half := len(data) / 2
	var calls atomic.Int32
	served = new(atomic.Int64)
	ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			w.Write(data[:half])
			w.(http.Flusher).Flush()
			served.Add(int64(half))
			panic(http.ErrAbortHandler)
		}
		if r.Header.Get("Range") != fmt.Sprintf("bytes=%d-", half) {
			t.Errorf("second request Range = %q, want bytes=%d-", r.Header.Get("Range"), half)
		}
		cw := &countingWriter{ResponseWriter: w}
		http.ServeContent(cw, r, "", time.Time{}, bytes.NewReader(data))
		served.Add(cw.n)
	}))
	t.Cleanup(ts.Close)
	return ts, served
}

func TestFetchResumesPartialDownload(t *testing.T) {
	data := content("binutils", 1<<20)
	half := len(data) / 2
	ts, served := breakingServer(t, data)
	st := openStore(t)
	src := sourceFor("binutils.tar.xz", data, ts.URL+"/binutils.tar.xz")
	ctx := context.Background()

	err := st.Fetch(ctx, []manifests.Source{src}, Options{})
	var fe *FetchError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "broke off") {
		t.Fatalf("first Fetch: %v, want a FetchError about the broken transfer", err)
	}
	fi, err := os.Stat(st.partialPath(src.SHA256))
	if err != nil || fi.Size() != int64(half) {
		t.Fatalf("partial file after the broken transfer: %v, %v; want %d bytes", fi, err, half)
	}
	if err := st.Fetch(ctx, []manifests.Source{src}, Options{}); err != nil {
		t.Fatalf("second Fetch: %v", err)
	}
	checkStored(t, st, src, data)
	if got := served.Load(); got != int64(len(data)) {
		t.Errorf("server sent %d bytes in all, want %d (the second half only once)", got, len(data))
	}
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

// A partial file holding wrong bytes is caught at the end, quarantined, and
// the same URL is fetched again from the start.
func TestFetchResumeOfWrongPartialRestarts(t *testing.T) {
	data := content("gcc", 200<<10)
	srv := &files{byPath: map[string][]byte{"/gcc.tar.xz": data}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	st := openStore(t)
	src := sourceFor("gcc.tar.xz", data, ts.URL+"/gcc.tar.xz")
	if err := os.WriteFile(st.partialPath(src.SHA256), bytes.Repeat([]byte{'x'}, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := st.Fetch(context.Background(), []manifests.Source{src}, Options{}); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	checkStored(t, st, src, data)
	want := []string{"/gcc.tar.xz bytes=1000-", "/gcc.tar.xz"}
	if got := srv.Requests(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests %q, want %q", got, want)
	}
	if q := listDir(t, filepath.Join(st.Root(), "quarantine")); len(q) != 1 {
		t.Errorf("quarantine holds %v, want the wrong resumed file", q)
	}
}

func TestFetchWrongContentIsQuarantined(t *testing.T) {
	good := content("glibc", 64<<10)
	bad := content("evil!", 64<<10)
	srv := &files{byPath: map[string][]byte{"/bad/glibc.tar.xz": bad, "/good/glibc.tar.xz": good}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := context.Background()

	t.Run("only a bad url", func(t *testing.T) {
		st := openStore(t)
		src := sourceFor("glibc.tar.xz", good, ts.URL+"/bad/glibc.tar.xz")
		err := st.Fetch(ctx, []manifests.Source{src}, Options{})
		var hm *HashMismatchError
		if !errors.As(err, &hm) {
			t.Fatalf("Fetch: %v, want a HashMismatchError", err)
		}
		if hm.File != "glibc.tar.xz" || hm.URL != ts.URL+"/bad/glibc.tar.xz" || hm.Want != src.SHA256 || hm.Got != digest.FromBytes(bad) {
			t.Errorf("HashMismatchError = %+v", hm)
		}
		msg := hm.Error()
		for _, part := range []string{"glibc.tar.xz", hm.URL, src.SHA256.String(), digest.FromBytes(bad).String()} {
			if !strings.Contains(msg, part) {
				t.Errorf("error %q does not name %s", msg, part)
			}
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("error %q is not one line", msg)
		}
		q, err := os.ReadFile(hm.Quarantined)
		if err != nil || !bytes.Equal(q, bad) {
			t.Errorf("quarantined file %s: %v (bad content: %v)", hm.Quarantined, err, bytes.Equal(q, bad))
		}
		if filepath.Dir(hm.Quarantined) != filepath.Join(st.Root(), "quarantine") {
			t.Errorf("quarantined to %s, want under the store's quarantine/", hm.Quarantined)
		}
		if _, err := st.Path(ctx, src); !errors.Is(err, ErrMissing) {
			t.Errorf("Path after a mismatch: %v, want ErrMissing", err)
		}
		if got := listDir(t, filepath.Join(st.Root(), "sha256")); len(got) != 0 {
			t.Errorf("sha256/ holds %v, want nothing", got)
		}
	})
	t.Run("bad then good url", func(t *testing.T) {
		st := openStore(t)
		src := sourceFor("glibc.tar.xz", good, ts.URL+"/bad/glibc.tar.xz", ts.URL+"/good/glibc.tar.xz")
		if err := st.Fetch(ctx, []manifests.Source{src}, Options{}); err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		checkStored(t, st, src, good)
		if q := listDir(t, filepath.Join(st.Root(), "quarantine")); len(q) != 1 {
			t.Errorf("quarantine holds %v, want the bad file", q)
		}
	})
}

func TestFetchSizeMismatchIsDetectedEarly(t *testing.T) {
	data := content("m4", 10000)
	var wrote atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "20000")
		w.WriteHeader(http.StatusOK)
		// The client hangs up after the headers: most writes fail or go nowhere.
		for i := 0; i < 20; i++ {
			n, err := w.Write(make([]byte, 1000))
			wrote.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer ts.Close()
	st := openStore(t)
	src := sourceFor("m4.tar.xz", data, ts.URL+"/m4.tar.xz")
	err := st.Fetch(context.Background(), []manifests.Source{src}, Options{})
	if err == nil || !strings.Contains(err.Error(), "size mismatch: server announces 20000 bytes, want 10000") {
		t.Fatalf("Fetch: %v, want a size mismatch", err)
	}
	if fi, err := os.Stat(st.partialPath(src.SHA256)); err == nil && fi.Size() != 0 {
		t.Errorf("partial file has %d bytes, want none written", fi.Size())
	}
}

func TestFetchFromMirrors(t *testing.T) {
	data := content("bison", 5000)
	src := sourceFor("bison-3.8.tar.xz", data, "http://127.0.0.1:1/never-used")
	hex := src.SHA256.Encoded()
	layouts := map[string]string{"by name": src.File, "by sha256 dir": "sha256/" + hex, "by hex": hex}
	for name, rel := range layouts {
		t.Run("dir "+name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, rel)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			st := openStore(t)
			rec := &recorder{}
			err := st.Fetch(context.Background(), []manifests.Source{src},
				Options{Mirrors: []string{t.TempDir(), dir}, Reporter: rec})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			checkStored(t, st, src, data)
			if last := rec.events[len(rec.events)-1]; last.detail != p {
				t.Errorf("fetched from %s, want %s", last.detail, p)
			}
		})
		t.Run("url "+name, func(t *testing.T) {
			srv := &files{byPath: map[string][]byte{"/mirror/" + rel: data}}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			st := openStore(t)
			err := st.Fetch(context.Background(), []manifests.Source{src},
				Options{Mirrors: []string{ts.URL + "/mirror/"}})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			checkStored(t, st, src, data)
		})
	}
	t.Run("store root as mirror", func(t *testing.T) {
		other := openStore(t)
		if err := os.WriteFile(filepath.Join(other.Root(), "sha256", hex), data, 0o444); err != nil {
			t.Fatal(err)
		}
		st := openStore(t)
		if err := st.Fetch(context.Background(), []manifests.Source{src}, Options{Mirrors: []string{"file://" + other.Root()}}); err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		checkStored(t, st, src, data)
	})
}

func TestFetchErrorListsAttempts(t *testing.T) {
	data := content("gawk", 4000)
	srv := &files{byPath: map[string][]byte{"/bad/gawk.tar.xz": content("nope", 4000)}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	mirror := t.TempDir()
	src := sourceFor("gawk.tar.xz", data, ts.URL+"/gone/gawk.tar.xz", ts.URL+"/bad/gawk.tar.xz", "ftp://example.org/gawk.tar.xz")
	st := openStore(t)
	err := st.Fetch(context.Background(), []manifests.Source{src}, Options{Mirrors: []string{mirror}})
	var fe *FetchError
	if !errors.As(err, &fe) {
		t.Fatalf("Fetch: %v, want a FetchError", err)
	}
	want := []string{
		"fetch gawk.tar.xz: tried 4 places:",
		"  " + mirror + ": not found by name or sha256",
		"  " + ts.URL + "/gone/gawk.tar.xz: not found (HTTP 404 Not Found)",
		"  " + ts.URL + "/bad/gawk.tar.xz: want " + src.SHA256.String() + ", got " + digest.FromBytes(content("nope", 4000)).String() + " (moved to ",
		"  ftp://example.org/gawk.tar.xz: unsupported URL scheme",
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("error has %d lines, want %d:\n%v", len(lines), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], want[i])
		}
	}
	nowhere := manifests.Source{File: "x", SHA256: digest.FromString("x"), Size: 1}
	if err := st.Fetch(context.Background(), []manifests.Source{nowhere}, Options{}); err == nil ||
		err.Error() != "fetch x: no mirror, url, local file or debian entry to fetch it from" {
		t.Errorf("Fetch with nowhere to look: %v", err)
	}
}

func TestFetchLocal(t *testing.T) {
	patch := []byte("--- a/x\n+++ b/x\n")
	fsys := fstest.MapFS{"patches/fhs.patch": {Data: patch}, "patches/wrong.patch": {Data: []byte("--- a/y\n+++ b/y\n")}}
	ctx := context.Background()
	st := openStore(t)
	src := sourceFor("glibc-fhs-1.patch", patch)
	src.Local = "patches/fhs.patch"
	if err := st.Fetch(ctx, []manifests.Source{src}, Options{LocalFS: fsys}); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	checkStored(t, st, src, patch)

	wrong := src
	wrong.Local = "patches/wrong.patch"
	st2 := openStore(t)
	var hm *HashMismatchError
	if err := st2.Fetch(ctx, []manifests.Source{wrong}, Options{LocalFS: fsys}); !errors.As(err, &hm) || hm.URL != "manifest:patches/wrong.patch" {
		t.Errorf("Fetch of a changed local file: %v, want a HashMismatchError from manifest:patches/wrong.patch", err)
	}
}

func TestVerifyQuarantinesCorruptCopy(t *testing.T) {
	data := content("zlib", 3000)
	src := sourceFor("zlib.tar.xz", data)
	src.Local = "zlib.tar.xz"
	st := openStore(t)
	ctx := context.Background()
	if err := st.Fetch(ctx, []manifests.Source{src}, Options{LocalFS: fstest.MapFS{"zlib.tar.xz": {Data: data}}}); err != nil {
		t.Fatal(err)
	}
	p, _ := st.Path(ctx, src)
	os.Chmod(p, 0o644)
	corrupt := bytes.Clone(data)
	corrupt[100] ^= 1
	if err := os.WriteFile(p, corrupt, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Path(ctx, src); err != nil {
		t.Fatalf("Path only checks the size: %v", err)
	}
	var hm *HashMismatchError
	if err := st.Verify(ctx, src); !errors.As(err, &hm) || hm.Got != digest.FromBytes(corrupt) {
		t.Fatalf("Verify: %v, want a HashMismatchError", err)
	}
	if _, err := st.Path(ctx, src); !errors.Is(err, ErrMissing) {
		t.Fatalf("Path after Verify failed: %v, want ErrMissing", err)
	}

	// A truncated copy fails the cheap size check.
	if err := st.Fetch(ctx, []manifests.Source{src}, Options{LocalFS: fstest.MapFS{"zlib.tar.xz": {Data: data}}}); err != nil {
		t.Fatal(err)
	}
	os.Truncate(p, 10)
	if _, err := st.Path(ctx, src); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Path of a truncated copy: %v, want ErrCorrupt", err)
	}
	if err := st.Fetch(ctx, []manifests.Source{src}, Options{LocalFS: fstest.MapFS{"zlib.tar.xz": {Data: data}}}); err != nil {
		t.Fatalf("Fetch replaces a truncated copy: %v", err)
	}
	checkStored(t, st, src, data)
}

func TestDebianURL(t *testing.T) {
	tests := []struct {
		pkg, file, want string
	}{
		{"hello", "hello_2.10.orig.tar.gz", "http://a.example.org/debian/pool/main/h/hello/hello_2.10.orig.tar.gz"},
		{"libcap2", "libcap2_2.66.orig.tar.xz", "http://a.example.org/debian/pool/main/libc/libcap2/libcap2_2.66.orig.tar.xz"},
		{"lib", "lib_1.orig.tar.gz", "http://a.example.org/debian/pool/main/l/lib/lib_1.orig.tar.gz"},
		{"gcc-14", "gcc-14_14.2.0.orig.tar.gz", "http://a.example.org/debian/pool/main/g/gcc-14/gcc-14_14.2.0.orig.tar.gz"},
	}
	for _, tt := range tests {
		if got := DebianURL("http://a.example.org/debian/", manifests.Debian{Package: tt.pkg, File: tt.file}); got != tt.want {
			t.Errorf("DebianURL(%s, %s) = %s, want %s", tt.pkg, tt.file, got, tt.want)
		}
	}
}

func TestFetchDebianFallback(t *testing.T) {
	hello := content("hello", 7000)
	libfoo := content("libfoo", 8000)
	srv := &files{byPath: map[string][]byte{
		"/debian/pool/main/h/hello/hello_2.10.orig.tar.gz":     hello,
		"/debian/pool/main/libf/libfoo/libfoo_1.0.orig.tar.xz": libfoo,
	}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	aptRoot := t.TempDir()
	os.MkdirAll(filepath.Join(aptRoot, "etc/apt/sources.list.d"), 0o755)
	conf := fmt.Sprintf("Types: deb\nURIs: %s/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: %s/debian\nSuites: bookworm\nComponents: main\n", ts.URL, ts.URL)
	if err := os.WriteFile(filepath.Join(aptRoot, "etc/apt/sources.list.d/debian.sources"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	srcHello := sourceFor("hello-2.10.tar.gz", hello, ts.URL+"/upstream/hello-2.10.tar.gz")
	srcHello.Debian = &manifests.Debian{Package: "hello", File: "hello_2.10.orig.tar.gz"}
	srcFoo := sourceFor("libfoo-1.0.tar.xz", libfoo)
	srcFoo.Debian = &manifests.Debian{Package: "libfoo", File: "libfoo_1.0.orig.tar.xz"}
	srcs := []manifests.Source{srcHello, srcFoo}
	ctx := context.Background()

	st := openStore(t)
	if err := st.Fetch(ctx, srcs, Options{AptRoot: aptRoot}); err == nil {
		t.Fatal("Fetch without Debian fallback succeeded")
	}
	if err := st.Fetch(ctx, srcs, Options{AptRoot: aptRoot, Debian: true}); err != nil {
		t.Fatalf("Fetch with Debian fallback: %v", err)
	}
	checkStored(t, st, srcHello, hello)
	checkStored(t, st, srcFoo, libfoo)
	for _, r := range srv.Requests() {
		if strings.Contains(r, "security") {
			t.Errorf("request %q went to the security archive", r)
		}
	}

	// No apt configuration: the attempt says so.
	st2 := openStore(t)
	err := st2.Fetch(ctx, []manifests.Source{srcFoo}, Options{AptRoot: t.TempDir(), Debian: true})
	if err == nil || !strings.Contains(err.Error(), "debian: read apt sources") {
		t.Errorf("Fetch without apt configuration: %v", err)
	}
}

func TestFetchIsParallel(t *testing.T) {
	const jobs, n = 3, 8
	var cur, peak atomic.Int32
	byPath := map[string][]byte{}
	var srcs []manifests.Source
	ts := httptest.NewUnstartedServer(nil)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("pkg%d.tar.xz", i)
		data := content(name, 1000+i)
		byPath["/"+name] = data
		srcs = append(srcs, sourceFor(name, data, "http://"+ts.Listener.Addr().String()+"/"+name))
	}
	inner := &files{byPath: byPath}
	ts.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := cur.Add(1)
		for {
			p := peak.Load()
			if c <= p || peak.CompareAndSwap(p, c) {
				break
			}
		}
		time.Sleep(150 * time.Millisecond)
		cur.Add(-1)
		inner.ServeHTTP(w, r)
	})
	ts.Start()
	defer ts.Close()
	st := openStore(t)
	start := time.Now()
	if err := st.Fetch(context.Background(), srcs, Options{Jobs: jobs}); err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if p := peak.Load(); p != jobs {
		t.Errorf("peak parallel downloads = %d, want %d", p, jobs)
	}
	if d := time.Since(start); d > n*150*time.Millisecond*2/3 {
		t.Errorf("Fetch took %v: not parallel", d)
	}
	for i, src := range srcs {
		checkStored(t, st, src, byPath["/"+srcs[i].File])
	}
}

func TestFetchCancel(t *testing.T) {
	data := content("linux", 1<<20)
	started := make(chan struct{}, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.Write(data[:4096])
		w.(http.Flusher).Flush()
		select {
		case started <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}))
	defer ts.Close()
	st := openStore(t)
	src := sourceFor("linux.tar.xz", data, ts.URL+"/linux.tar.xz", ts.URL+"/second.tar.xz")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		// Cancel once the first bytes are on disk.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if fi, err := os.Stat(st.partialPath(src.SHA256)); err == nil && fi.Size() == 4096 {
				break
			}
		}
		cancel()
	}()
	done := make(chan error)
	go func() { done <- st.Fetch(ctx, []manifests.Source{src}, Options{}) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Fetch after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Fetch did not return after cancel")
	}
	if _, err := st.Path(context.Background(), src); !errors.Is(err, ErrMissing) {
		t.Errorf("Path after a cancelled fetch: %v, want ErrMissing", err)
	}
	if fi, err := os.Stat(st.partialPath(src.SHA256)); err != nil || fi.Size() != 4096 {
		t.Errorf("partial after cancel: %v %v, want the 4096 bytes received, kept for a resume", fi, err)
	}
}

// Two stores on one root (as two xbuild processes) fetching the same file
// download it once.
func TestFetchConcurrentProcessesShareDownload(t *testing.T) {
	data := content("perl", 100<<10)
	var calls atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		time.Sleep(200 * time.Millisecond)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
	}))
	defer ts.Close()
	root := t.TempDir()
	src := sourceFor("perl.tar.xz", data, ts.URL+"/perl.tar.xz")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		st, err := Open(root)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Fetch(context.Background(), []manifests.Source{src}, Options{})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("server saw %d downloads, want 1", n)
	}
}

func TestFetchRejectsBadPins(t *testing.T) {
	st := openStore(t)
	bad := []manifests.Source{
		{File: "a", SHA256: "md5:d41d8cd98f00b204e9800998ecf8427e", Size: 0},
		{File: "a", SHA256: "sha256:1234", Size: 0},
		{File: "../a", SHA256: digest.FromString(""), Size: 0},
	}
	for _, src := range bad {
		if err := st.Fetch(context.Background(), []manifests.Source{src}, Options{}); err == nil {
			t.Errorf("Fetch(%+v) succeeded", src)
		}
	}
}
