package report

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/xlapp/xbuild/verify/explain"
	"github.com/xlapp/xbuild/verify/vary"
)

// fixture runs the shell commands of the fixture stage in
// dir/<buildPath>: they write the date, the host name, $RANDOM and the
// build path into four files, and a fifth file that is reproducible. The
// host name is passed in: changing it needs a UTS namespace, which is the
// engine's business, not this package's.
func fixture(t *testing.T, dir, buildPath, hostname string) string {
	t.Helper()
	wd := filepath.Join(dir, buildPath)
	if err := os.MkdirAll(wd, 0o755); err != nil {
		t.Fatal(err)
	}
	script := `date > date.txt; echo "$HOSTNAME_" > hostname.txt; echo $RANDOM > random.txt; pwd > path.txt; echo same > same.txt`
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = wd
	cmd.Env = []string{"HOSTNAME_=" + hostname, "PATH=/usr/bin:/bin", "TZ=UTC", "LC_ALL=C"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fixture: %v\n%s", err, out)
	}
	return wd
}

// compareTrees is the smallest file-by-file comparison: flat directories,
// regular files only.
func compareTrees(t *testing.T, a, b string) []Difference {
	t.Helper()
	var out []Difference
	entries, err := os.ReadDir(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		ca, err := os.ReadFile(filepath.Join(a, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		cb, err := os.ReadFile(filepath.Join(b, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ca, cb) {
			out = append(out, Content(e.Name(), explain.Content(e.Name(), ca, cb)))
		}
	}
	return out
}

func TestFixtureStage(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a := fixture(t, dir, "build", "xbuild")
	// The time variation: the rebuild runs later. One second is the
	// resolution of date(1).
	time.Sleep(1100 * time.Millisecond)
	var b string
	for range 5 { // $RANDOM repeats with probability 1/32768
		b = fixture(t, dir, "xbuild-vary-path/build", "xbuild-vary-host")
		if !bytes.Equal(must(os.ReadFile(filepath.Join(a, "random.txt"))), must(os.ReadFile(filepath.Join(b, "random.txt")))) {
			break
		}
	}
	r := Report{
		Stage: "fixture", Against: Rebuild, Files: 5,
		A:           digest.FromString("a"),
		B:           digest.FromString("b"),
		Notes:       []string{vary.KernelNote},
		Differences: compareTrees(t, a, b),
	}
	got := map[string][]explain.Cause{}
	for _, d := range r.Differences {
		for _, h := range d.Hints {
			got[d.Path] = append(got[d.Path], h.Cause)
		}
		if len(d.Hints) == 0 {
			got[d.Path] = nil
		}
	}
	want := map[string][]explain.Cause{
		"date.txt":     {explain.CauseDate},
		"hostname.txt": {explain.CauseHostname},
		"random.txt":   {explain.CauseRandom},
		"path.txt":     {explain.CauseBuildPath},
	}
	if len(got) != len(want) {
		t.Errorf("differing paths %v, want %v", got, want)
	}
	for p, w := range want {
		if !slices.Equal(got[p], w) {
			t.Errorf("%s: hints %v, want %v", p, got[p], w)
		}
	}
	if r.Reproducible() {
		t.Error("reproducible")
	}
	if v := r.Verdict(); v != "fixture: NOT reproducible: 4 of 5 paths differ" {
		t.Errorf("verdict %q", v)
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"fixture: NOT reproducible: 4 of 5 paths differ\n",
		"likely causes (paths): build-path (1), date (1), hostname (1), random (1)",
		"  path.txt: content (text): 1 line removed, 1 added, in 1 hunk\n    hint build-path: b: \"" + b + "\"",
		"note: the kernel is shared",
	} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("text report lacks %q:\n%s", s, text.String())
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("text report:\n%s", text.String())
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestMetadata(t *testing.T) {
	tests := []struct {
		kind  Kind
		path  string
		a, b  string
		hints []explain.Cause
	}{
		{Mode, "usr/bin/x", "0755", "0775", []explain.Cause{explain.CauseUmask}},
		{Mode, "usr/bin/x", "0644", "0664", []explain.Cause{explain.CauseUmask}},
		{Mode, "usr/bin/x", "0644", "0755", nil},
		{Owner, "usr/bin/x", "1000:1000", "1001:1001", []explain.Cause{explain.CauseUser}},
		{LinkTarget, "usr/lib/x", "/build/x", "/xbuild-vary-path/build/x", []explain.Cause{explain.CauseBuildPath}},
		{LinkTarget, "usr/lib/x", "libx.so.1", "libx.so.2", nil},
		{OnlyInB, "etc/xbuild-vary-host.conf", "", "", []explain.Cause{explain.CauseHostname}},
		{OnlyInA, "var/log/build-2026-11-30.log", "", "", []explain.Cause{explain.CauseDate}},
		{Type, "usr/lib/y", "file", "symlink", nil},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind)+" "+tc.a+" "+tc.b, func(t *testing.T) {
			d := Metadata(tc.path, tc.kind, tc.a, tc.b)
			var got []explain.Cause
			for _, h := range d.Hints {
				got = append(got, h.Cause)
			}
			if !slices.Equal(got, tc.hints) {
				t.Errorf("hints %v, want %v (%+v)", got, tc.hints, d.Hints)
			}
		})
	}
}

func TestVerdictAndJSON(t *testing.T) {
	d1, d2 := digest.FromString("one"), digest.FromString("two")
	set, err := vary.Parse("-locale")
	if err != nil {
		t.Fatal(err)
	}
	_, applied := set.Apply(vary.Settings{Jobs: 2, Umask: 0o022}, vary.StageFacts{CPUs: 2})
	tests := []struct {
		name    string
		r       Report
		repro   bool
		verdict string
	}{
		{"clean rebuild", Report{Stage: "hello", Against: Rebuild, A: d1, B: d1, Variations: applied}, true,
			"hello: reproducible: " + string(d1) + ", identical with 7 of 10 variations applied"},
		{"published match", Report{Stage: "hello", Against: Published, A: d1, B: d1}, true,
			"hello: matches the published digest " + string(d1)},
		{"published mismatch", Report{Stage: "hello", Against: Published, A: d1, B: d2}, false,
			"hello: DIFFERS from the published digest: built " + string(d1) + ", published " + string(d2)},
		{"digests only", Report{Stage: "hello", Against: Rebuild, A: d1, B: d2}, false,
			"hello: NOT reproducible: the snapshot digests differ"},
		{"two kinds on one path", Report{Stage: "hello", Against: Rebuild, A: d1, B: d2, Differences: []Difference{
			Metadata("usr/bin/x", Mode, "0755", "0775"),
			Content("usr/bin/x", explain.Content("usr/bin/x", []byte("a\n"), []byte("b\n"))),
		}}, false, "hello: NOT reproducible: 1 path differs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.Reproducible(); got != tc.repro {
				t.Errorf("Reproducible() = %v", got)
			}
			if got := tc.r.Verdict(); !strings.HasPrefix(got, tc.verdict) {
				t.Errorf("verdict %q, want prefix %q", got, tc.verdict)
			}
			var text, js bytes.Buffer
			if err := tc.r.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if first, _, _ := strings.Cut(text.String(), "\n"); first != tc.r.Verdict() {
				t.Errorf("text report starts with %q", first)
			}
			if err := tc.r.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			var back struct {
				Report
				Verdict      string `json:"verdict"`
				Reproducible bool   `json:"reproducible"`
			}
			if err := json.Unmarshal(js.Bytes(), &back); err != nil {
				t.Fatalf("%v\n%s", err, js.String())
			}
			if back.Verdict != tc.r.Verdict() || back.Reproducible != tc.repro || back.Stage != tc.r.Stage ||
				len(back.Differences) != len(tc.r.Differences) || len(back.Variations) != len(tc.r.Variations) {
				t.Errorf("JSON round trip lost data:\n%s", js.String())
			}
		})
	}
}
