package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

type verifyReport struct {
	Stage      string `json:"stage"`
	A, B       string
	Variations []struct {
		Name    string
		Applied bool
		Reason  string
	}
	Differences []struct {
		Path  string `json:"path"`
		Kind  string `json:"kind"`
		Hints []struct {
			Cause string `json:"cause"`
		} `json:"hints"`
	} `json:"differences"`
}

func verifyJSON(t *testing.T, args ...string) (int, verifyReport) {
	t.Helper()
	r := xbuild(t, append([]string{"verify", "--json"}, args...)...)
	var rep verifyReport
	if r.code == 0 || r.code == 1 {
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("verify --json: %v\n%s", err, r.stdout)
		}
	}
	return r.code, rep
}

// A fixture that leaks the date, the hostname, $RANDOM and the build path
// is reported non-reproducible, naming exactly those files with their cause.
func TestVerifyNamesEachLeak(t *testing.T) {
	needRoot(t)
	lfs := filepath.Join(t.TempDir(), "lfs")
	code, rep := verifyJSON(t, "--manifest", "testdata/unrepro", "--lfs", lfs, "fixture")
	if code != 1 {
		t.Fatalf("verify exit %d, want 1 (not reproducible)", code)
	}
	want := map[string]string{
		"/usr/share/fixture/date":      "date",
		"/usr/share/fixture/hostname":  "hostname",
		"/usr/share/fixture/random":    "random",
		"/usr/share/fixture/buildpath": "build-path",
	}
	var got []string
	for _, d := range rep.Differences {
		got = append(got, d.Path)
		cause, ok := want[d.Path]
		if !ok {
			t.Errorf("unexpected difference %s (%s)", d.Path, d.Kind)
			continue
		}
		var causes []string
		for _, h := range d.Hints {
			causes = append(causes, h.Cause)
		}
		if len(causes) == 0 || causes[0] != cause {
			t.Errorf("%s: hints %v, want %s first", d.Path, causes, cause)
		}
	}
	sort.Strings(got)
	if len(got) != len(want) {
		t.Errorf("differences %v, want exactly %d files", got, len(want))
	}
}

// The demo's stages (GNU hello; a static archive and a gzip'd man page)
// verify clean with every variation on.
func TestVerifyDemoClean(t *testing.T) {
	needRoot(t)
	lfs := filepath.Join(t.TempDir(), "lfs")
	for _, stage := range []string{"hello", "extras"} {
		code, rep := verifyJSON(t, "--manifest", "demo", "--lfs", lfs, stage)
		if code != 0 {
			var paths []string
			for _, d := range rep.Differences {
				paths = append(paths, d.Path)
			}
			t.Fatalf("verify %s: exit %d, differences %s", stage, code, strings.Join(paths, ", "))
		}
		applied := 0
		for _, v := range rep.Variations {
			if v.Applied {
				applied++
			}
		}
		if applied < 5 {
			t.Errorf("verify %s: only %d variations applied: %+v", stage, applied, rep.Variations)
		}
	}
}

// xbuild lock publishes the built digests; verify --published compares a
// local build with them, and a build that differs says so loudly.
func TestLockAndPublished(t *testing.T) {
	needRoot(t)
	man := filepath.Join(t.TempDir(), "demo")
	copyDir(t, "../manifests/demo", man)
	lfs := filepath.Join(t.TempDir(), "lfs")
	args := []string{"--manifest", man, "--lfs", lfs}
	mustOK(t, xbuild(t, append(args, "stage", "extras")...))
	mustOK(t, xbuild(t, append(args, "lock")...))
	lock, err := os.ReadFile(filepath.Join(man, "xbuild.lock"))
	if err != nil || !strings.Contains(string(lock), "hello sha256:") || !strings.Contains(string(lock), "extras sha256:") {
		t.Fatalf("lock file: %v %q", err, lock)
	}
	r := xbuild(t, append(args, "verify", "--published", "hello")...)
	if r.code != 0 || !strings.Contains(r.stdout, "matches the published digest") {
		t.Fatalf("verify --published of an identical build: exit %d\n%s", r.code, r.stdout)
	}
	// Publish a different digest for extras: verify --published fails, and
	// a build that produces something else warns.
	bad := strings.Replace(string(lock), "extras sha256:", "extras sha256:0000", 1)
	bad = bad[:strings.Index(bad, "extras sha256:")] + "extras sha256:" + strings.Repeat("0", 64) + "\n"
	if err := os.WriteFile(filepath.Join(man, "xbuild.lock"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	r = xbuild(t, append(args, "verify", "--published", "extras")...)
	if r.code != 1 {
		t.Fatalf("verify --published against a wrong digest: exit %d, want 1", r.code)
	}
	// Rebuild extras (a changed script) and expect the loud warning.
	f, _ := os.OpenFile(filepath.Join(man, "scripts", "libgreet.sh"), os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, "\n: changed %d\n", time.Now().UnixNano())
	f.Close()
	r = xbuild(t, append(args, "stage", "extras")...)
	mustOK(t, r)
	if !strings.Contains(r.stderr, "WARNING: stage extras is") {
		t.Fatalf("no warning for a build that differs from the published digest:\n%s", r.stderr)
	}
}
