package sources

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xlapp/xbuild/manifests"
)

// A pin may give only the sha256 (size 0): the hash alone decides, a broken
// transfer still resumes, and a wrong file is still quarantined.
func TestFetchWithoutPinnedSize(t *testing.T) {
	good := content("zlib", 300<<10)
	bad := content("evil", 300<<10)
	unsized := func(file string, data []byte, urls ...string) manifests.Source {
		s := sourceFor(file, data, urls...)
		s.Size = 0
		return s
	}
	ctx := context.Background()

	t.Run("whole file", func(t *testing.T) {
		srv := &files{byPath: map[string][]byte{"/zlib.tar.xz": good}}
		ts := httptest.NewServer(srv)
		defer ts.Close()
		st := openStore(t)
		rec := &recorder{}
		src := unsized("zlib.tar.xz", good, ts.URL+"/zlib.tar.xz")
		if err := st.Fetch(ctx, []manifests.Source{src}, Options{Reporter: rec}); err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		checkStored(t, st, src, good)
		if len(rec.events) == 0 || rec.events[0] != (event{"start", "zlib.tar.xz", "0"}) {
			t.Errorf("reporter events %v, want a start with size 0 (unknown)", rec.events)
		}
	})
	t.Run("wrong file", func(t *testing.T) {
		srv := &files{byPath: map[string][]byte{"/zlib.tar.xz": bad}}
		ts := httptest.NewServer(srv)
		defer ts.Close()
		st := openStore(t)
		src := unsized("zlib.tar.xz", good, ts.URL+"/zlib.tar.xz")
		err := st.Fetch(ctx, []manifests.Source{src}, Options{})
		var hm *HashMismatchError
		if !errors.As(err, &hm) {
			t.Fatalf("Fetch: %v, want a HashMismatchError", err)
		}
		if q := listDir(t, filepath.Join(st.Root(), "quarantine")); len(q) != 1 {
			t.Errorf("quarantine holds %v, want the wrong file", q)
		}
		if _, err := st.Path(ctx, src); !errors.Is(err, ErrMissing) {
			t.Errorf("Path after a mismatch: %v, want ErrMissing", err)
		}
	})
	t.Run("broken transfer resumes", func(t *testing.T) {
		ts, served := breakingServer(t, good)
		st := openStore(t)
		src := unsized("zlib.tar.xz", good, ts.URL+"/zlib.tar.xz")
		if err := st.Fetch(ctx, []manifests.Source{src}, Options{}); err == nil || !strings.Contains(err.Error(), "broke off") {
			t.Fatalf("first Fetch: %v, want the broken transfer", err)
		}
		if err := st.Fetch(ctx, []manifests.Source{src}, Options{}); err != nil {
			t.Fatalf("second Fetch: %v", err)
		}
		checkStored(t, st, src, good)
		if got := served.Load(); got != int64(len(good)) {
			t.Errorf("server sent %d bytes in all, want %d", got, len(good))
		}
	})
	t.Run("file path", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "zlib.tar.xz")
		if err := os.WriteFile(p, good, 0o644); err != nil {
			t.Fatal(err)
		}
		st := openStore(t)
		src := unsized("zlib.tar.xz", good, "file://"+p)
		if err := st.Fetch(ctx, []manifests.Source{src}, Options{}); err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		checkStored(t, st, src, good)
	})
}
