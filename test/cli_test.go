// Package test holds end-to-end tests that run the real xbuild binary as a
// user would: real seed, real sandbox, real sources, real store.
package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// env is what every end-to-end test shares: the binary and a store whose
// seed survives between tests (and runs, through XBUILD_TEST_CACHE).
type env struct {
	bin   string
	store string
	cache string
}

var shared env

func TestMain(m *testing.M) {
	cache := os.Getenv("XBUILD_TEST_CACHE")
	if cache == "" {
		cache = "/var/cache/xbuild-test"
	}
	tmp, err := os.MkdirTemp("", "xbuild-e2e-bin-")
	if err != nil {
		panic(err)
	}
	bin := filepath.Join(tmp, "xbuild")
	build := exec.Command("go", "build", "-o", bin, "../cmd/xbuild")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		panic("build xbuild: " + err.Error())
	}
	shared = env{bin: bin, store: filepath.Join(cache, "store"), cache: cache}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// needRoot skips without root, but fails in CI, where a skip would hide
// that the sandbox never ran.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("end-to-end tests need root in CI")
	}
	t.Skip("needs root")
}

type result struct {
	code           int
	stdout, stderr string
}

// xbuild runs the binary with the shared store unless args set --store.
func xbuild(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(shared.bin, args...)
	cmd.Env = append(os.Environ(), "XBUILD_STORE="+shared.store)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run xbuild %v: %v", args, err)
	}
	t.Logf("xbuild %s -> %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	return result{code, out.String(), errb.String()}
}

func mustOK(t *testing.T, r result) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.stderr)
	}
}

type planRow struct {
	Stage    string `json:"stage"`
	Key      string `json:"key"`
	Cached   bool   `json:"cached"`
	Snapshot string `json:"snapshot"`
	Reason   string `json:"reason"`
}

func plan(t *testing.T, args ...string) []planRow {
	t.Helper()
	r := xbuild(t, append([]string{"plan", "--json"}, args...)...)
	mustOK(t, r)
	var rows []planRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("plan --json is not a JSON array: %v\n%s", err, r.stdout)
	}
	return rows
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 2, "no command"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"plan", "--bogus"}, 2, "unknown flag"},
		{[]string{"--manifest", "demo", "stage", "nosuch"}, 2, `unknown stage "nosuch"`},
		{[]string{"--manifest", "/nonexistent/dir", "check"}, 1, "manifest"},
		{[]string{"--manifest", "testdata/broken", "check"}, 1, "testdata/broken/manifest.yaml:"},
		{[]string{"-j", "0", "plan"}, 2, "-j 0"},
		{[]string{"--compression", "max", "plan"}, 2, `--compression "max": want fastest, default or better`},
	}
	for _, tc := range tests {
		r := xbuild(t, tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("xbuild %v: exit %d, stderr %q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
		if tc.code != 0 && strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 && tc.want != "testdata/broken/manifest.yaml:" {
			t.Errorf("xbuild %v: error is not one line: %q", tc.args, r.stderr)
		}
	}
}

func TestCheckEmbedded(t *testing.T) {
	for _, m := range []string{"demo", "xlapp"} {
		r := xbuild(t, "--manifest", m, "check")
		mustOK(t, r)
	}
}

// The demo end to end: seed, fetch, build, snapshot; the second run is all
// cache hits; the restored tree equals the built one, mtimes included.
func TestDemoTwice(t *testing.T) {
	needRoot(t)
	r := xbuild(t, "demo")
	mustOK(t, r)
	if !strings.Contains(r.stdout, "demo ok") || !strings.Contains(r.stdout, "Hello, world!") {
		t.Fatalf("demo output lacks the greeting or verdict:\n%s", r.stdout)
	}
	rows := plan(t, "--manifest", "demo")
	for _, row := range rows {
		if !row.Cached || !strings.HasPrefix(row.Key, "sha256:") {
			t.Fatalf("after the demo, stage %s is not cached: %+v", row.Stage, row)
		}
	}
	// A second demo is all hits.
	r = xbuild(t, "demo")
	mustOK(t, r)
	if !strings.Contains(r.stdout, "all 2 stages cached") || strings.Contains(r.stderr, "building") {
		t.Fatalf("second demo run built something:\n%s", r.stderr)
	}
	// Restore equals built: snapshot the restored tree again.
	last := rows[len(rows)-1]
	dir := t.TempDir()
	mustOK(t, xbuild(t, "--manifest", "demo", "restore", last.Stage, "--to", filepath.Join(dir, "r")))
	got := xbuild(t, "cache", "snapshot", filepath.Join(dir, "r"))
	mustOK(t, got)
	if strings.TrimSpace(got.stdout) != last.Snapshot {
		t.Fatalf("restored tree snapshots to %s, built was %s", strings.TrimSpace(got.stdout), last.Snapshot)
	}
	if _, err := os.Stat(filepath.Join(dir, "r", "usr", "bin", "hello")); err != nil {
		t.Fatal(err)
	}
	// gc keeps what the live stages reference.
	mustOK(t, xbuild(t, "--manifest", "demo", "cache", "gc"))
	for _, row := range plan(t, "--manifest", "demo") {
		if !row.Cached {
			t.Fatalf("after gc, stage %s is no longer cached", row.Stage)
		}
	}
	// shell exits with the command's status.
	r = xbuild(t, "--manifest", "demo", "--lfs", filepath.Join(shared.store, "demo", "lfs"), "shell", "hello", "--", "sh", "-c", "exit 7")
	if r.code != 7 {
		t.Fatalf("shell exit status %d, want 7", r.code)
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

// A failing package stops the stage with its log tail, leaves the cache as
// it was, and the run after the fix resumes after the last good package.
func TestFailureAndResume(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	man := filepath.Join(dir, "resume")
	copyDir(t, "testdata/resume", man)
	// A nonce written by the first stage makes its snapshot, and so every
	// later key, new: an earlier run's cache cannot make the test pass.
	nonce := fmt.Sprintf("\necho %d > \"$LFS/usr/share/resume/nonce\"\n", time.Now().UnixNano())
	f, err := os.OpenFile(filepath.Join(man, "scripts", "dirs.sh"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(nonce)
	f.Close()
	lfs := filepath.Join(dir, "lfs")
	r := xbuild(t, "--manifest", man, "--lfs", lfs, "stage", "work")
	if r.code != 1 {
		t.Fatalf("failing build: exit %d, want 1", r.code)
	}
	for _, want := range []string{"XBUILD-FAILURE-MARKER", "package second failed", "second.log"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	rows := plan(t, "--manifest", man)
	if !rows[0].Cached || rows[1].Cached {
		t.Fatalf("after the failure: %+v", rows)
	}
	baseSnap := rows[0].Snapshot
	// A gc run with another manifest keeps the unfinished stage's good
	// packages: they are what the next run resumes from.
	mustOK(t, xbuild(t, "--manifest", "demo", "cache", "gc"))
	// Fix the script: only the failed package runs again.
	if err := os.WriteFile(filepath.Join(man, "scripts", "second.sh"), []byte("echo second > \"$LFS/usr/share/resume/second\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = xbuild(t, "--manifest", man, "--lfs", lfs, "stage", "work")
	mustOK(t, r)
	if !strings.Contains(r.stderr, "first: cached") || !strings.Contains(r.stderr, "second: building") {
		t.Fatalf("did not resume after the last good package:\n%s", r.stderr)
	}
	for _, f := range []string{"base", "first", "second"} {
		if _, err := os.Stat(filepath.Join(lfs, "usr/share/resume", f)); err != nil {
			t.Errorf("LFS tree lacks %s: %v", f, err)
		}
	}
	rows = plan(t, "--manifest", man)
	if !rows[1].Cached || rows[0].Snapshot != baseSnap {
		t.Fatalf("after the fix: %+v", rows)
	}
	// Changing one line of one script rebuilds exactly that stage.
	if err := os.WriteFile(filepath.Join(man, "scripts", "first.sh"), []byte("echo FIRST > \"$LFS/usr/share/resume/first\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rows = plan(t, "--manifest", man)
	if !rows[0].Cached || rows[1].Cached || !strings.Contains(rows[1].Reason, "first: script changed") {
		t.Fatalf("plan after editing first.sh: %+v", rows)
	}
}

// --compression trades CPU for a smaller store and nothing else: the same
// tree has the same digest at every level, and restores from either store.
func TestCompressionLevel(t *testing.T) {
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	// Words in random order, as test/bench's synthetic text: the fastest
	// level's matcher misses many repeats that the better one finds.
	r := rand.New(rand.NewPCG(1, 2))
	words := make([]string, 8192)
	for i := range words {
		b := make([]byte, 2+r.IntN(10))
		for j := range b {
			b[j] = "etaoinshrdlcumwfgypbvkjxqz_ETAOINSHRD0123456789"[r.IntN(46)]
		}
		words[i] = string(b)
	}
	var text strings.Builder
	for text.Len() < 3<<20 {
		text.WriteString(words[r.IntN(len(words))])
		text.WriteByte(" \n,;()=."[r.IntN(8)])
	}
	if err := os.WriteFile(filepath.Join(tree, "words.txt"), []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	stored := map[string]int64{}
	var digests []string
	for _, level := range []string{"fastest", "better"} {
		store := filepath.Join(dir, level)
		res := xbuild(t, "--store", store, "--compression", level, "cache", "snapshot", tree)
		mustOK(t, res)
		digests = append(digests, strings.TrimSpace(res.stdout))
		stored[level] = treeBytes(t, filepath.Join(store, "cache"))
		mustOK(t, xbuild(t, "--store", store, "restore", digests[len(digests)-1], "--to", filepath.Join(dir, "r-"+level)))
		got, err := os.ReadFile(filepath.Join(dir, "r-"+level, "words.txt"))
		if err != nil || string(got) != text.String() {
			t.Fatalf("--compression %s: restored words.txt differs (err %v)", level, err)
		}
	}
	if digests[0] != digests[1] {
		t.Fatalf("the level changed the digest: fastest %s, better %s", digests[0], digests[1])
	}
	if stored["better"] >= stored["fastest"]*95/100 {
		t.Fatalf("--compression better stored %d bytes, fastest %d: want at least 5%% less", stored["better"], stored["fastest"])
	}
	t.Logf("stored: fastest %d, better %d bytes", stored["fastest"], stored["better"])
}

// treeBytes is the size of the regular files below dir.
func treeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// cache check finds a damaged blob, fails with one line pointing at
// --repair, and --repair leaves a store that checks clean; a restore of
// the damaged snapshot names the blob and the same fix.
func TestCacheCheck(t *testing.T) {
	dir := t.TempDir()
	tree, store := filepath.Join(dir, "tree"), filepath.Join(dir, "store")
	if err := os.MkdirAll(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("a line of a big file that compresses well\n", 100000) // over 1 MiB: a blob file
	if err := os.WriteFile(filepath.Join(tree, "big"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	r := xbuild(t, "--store", store, "cache", "snapshot", tree)
	mustOK(t, r)
	snap := strings.TrimSpace(r.stdout)
	r = xbuild(t, "--store", store, "cache", "check")
	mustOK(t, r)
	if !strings.Contains(r.stdout, "0 corrupt blobs") {
		t.Fatalf("check of a sound store: %q", r.stdout)
	}
	blobs, err := filepath.Glob(filepath.Join(store, "cache", "blobs", "sha256", "*"))
	if err != nil || len(blobs) != 1 {
		t.Fatalf("blob files %v (%v), want 1", blobs, err)
	}
	b, err := os.ReadFile(blobs[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x20
	if err := os.WriteFile(blobs[0], b, 0o644); err != nil {
		t.Fatal(err)
	}
	r = xbuild(t, "--store", store, "cache", "check")
	if r.code != 1 || !strings.Contains(r.stdout, "corrupt: ") || !strings.Contains(r.stdout, "unrestorable snapshot: "+snap) ||
		!strings.Contains(r.stderr, "--repair") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Fatalf("check of a damaged store: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = xbuild(t, "--store", store, "restore", snap, "--to", filepath.Join(dir, "r"))
	if r.code != 1 || !strings.Contains(r.stderr, "corrupt blob") || !strings.Contains(r.stderr, "cache check --repair") {
		t.Fatalf("restore of a damaged snapshot: exit %d\n%s", r.code, r.stderr)
	}
	mustOK(t, xbuild(t, "--store", store, "cache", "check", "--repair"))
	r = xbuild(t, "--store", store, "cache", "check")
	mustOK(t, r)
	if _, err := os.Stat(blobs[0]); err == nil {
		t.Errorf("--repair left the corrupt %s", blobs[0])
	}
}
