package sources

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xlapp/xbuild/manifests"
)

// Servers answer a Range request in different ways; every answer must end
// with the right file, resumed where the server allows it.
func TestFetchResumeAnswers(t *testing.T) {
	data := content("coreutils", 100<<10)
	const have = 30 << 10
	tests := []struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request)
		resumed bool
	}{
		{"honours range", func(w http.ResponseWriter, r *http.Request) {
			http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
		}, true},
		{"ignores range", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			w.Write(data)
		}, false},
		{"range not satisfiable", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Range") != "" {
				w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
				return
			}
			w.Write(data)
		}, false},
		{"other range than asked", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Range") != "" {
				w.Header().Set("Content-Range", fmt.Sprintf("bytes 10-%d/%d", len(data)-1, len(data)))
				w.WriteHeader(http.StatusPartialContent)
				w.Write(data[10:])
				return
			}
			w.Write(data)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ranges []string
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ranges = append(ranges, r.Header.Get("Range"))
				tt.handler(w, r)
			}))
			defer ts.Close()
			st := openStore(t)
			src := sourceFor("coreutils.tar.xz", data, ts.URL+"/coreutils.tar.xz")
			if err := os.WriteFile(st.partialPath(src.SHA256), data[:have], 0o644); err != nil {
				t.Fatal(err)
			}
			var got int64 = -1
			rep := &progressRecorder{first: &got}
			if err := st.Fetch(context.Background(), []manifests.Source{src}, Options{Reporter: rep}); err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			checkStored(t, st, src, data)
			if ranges[0] != fmt.Sprintf("bytes=%d-", have) {
				t.Errorf("first request asked for range %q, want bytes=%d-", ranges[0], have)
			}
			if q := listDir(t, filepath.Join(st.Root(), "quarantine")); len(q) != 0 {
				t.Errorf("quarantine holds %v, want nothing", q)
			}
			want := int64(0)
			if tt.resumed {
				want = have
			}
			if got != want {
				t.Errorf("download started at byte %d, want %d", got, want)
			}
		})
	}
}

// A response without Content-Length that goes on past the pinned size is
// cut off and quarantined.
func TestFetchTooLongWithoutContentLength(t *testing.T) {
	data := content("sed", 600<<10)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(data) // > 4 KiB written unflushed: chunked, no Content-Length
		w.Write([]byte("trailing junk"))
	}))
	defer ts.Close()
	st := openStore(t)
	src := sourceFor("sed.tar.xz", data, ts.URL+"/sed.tar.xz")
	err := st.Fetch(context.Background(), []manifests.Source{src}, Options{})
	if err == nil || !strings.Contains(err.Error(), "got more than the pinned 614400 bytes") {
		t.Fatalf("Fetch: %v, want a too-long error", err)
	}
	if q := listDir(t, filepath.Join(st.Root(), "quarantine")); len(q) != 1 {
		t.Errorf("quarantine holds %v, want the cut-off file", q)
	}
	if p := listDir(t, filepath.Join(st.Root(), "partial")); len(p) != 1 || !strings.HasSuffix(p[0], ".lock") {
		t.Errorf("partial/ holds %v, want only the lock file", p)
	}
}

type progressRecorder struct {
	nopReporter
	first *int64
}

func (p *progressRecorder) Progress(file string, done int64) {
	if *p.first < 0 {
		*p.first = done
	}
}

// sources must build and test anywhere: no container runtime under it.
func TestNoContainerDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "opencontainers/runc") || strings.Contains(dep, "xbuild/sandbox") || strings.Contains(dep, "xbuild/cache") {
			t.Errorf("sources depends on %s", dep)
		}
	}
}
