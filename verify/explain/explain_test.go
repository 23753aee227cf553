package explain

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// needTool skips a test whose tool is missing, except in CI, where a
// missing tool must fail the run so that green means tested.
func needTool(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI: %v", n, err)
			}
			t.Skipf("%s not installed: %v", n, err)
		}
	}
}

// run runs a command in dir with extra environment and fails the test on
// error.
func run(t *testing.T, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func write(t *testing.T, path, content string, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func causes(e Explanation) []Cause {
	var out []Cause
	for _, h := range e.Hints {
		out = append(out, h.Cause)
	}
	return out
}

// check compares an explanation with what a case expects; summary and
// details are matched by substring.
func check(t *testing.T, e Explanation, format Format, summary string, details []string, want []Cause) {
	t.Helper()
	if e.Format != format {
		t.Errorf("format %q, want %q", e.Format, format)
	}
	if !strings.Contains(e.Summary, summary) {
		t.Errorf("summary %q does not contain %q", e.Summary, summary)
	}
	all := strings.Join(e.Details, "\n")
	for _, d := range details {
		if !strings.Contains(all, d) {
			t.Errorf("details do not contain %q:\n%s", d, all)
		}
	}
	if got := causes(e); !slices.Equal(got, want) {
		t.Errorf("hints %v, want %v:\n%+v", got, want, e.Hints)
	}
	if t.Failed() {
		t.Logf("summary: %s\ndetails:\n%s", e.Summary, all)
	}
}

func TestText(t *testing.T) {
	lines := func(ls ...string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }
	tests := []struct {
		name    string
		a, b    []byte
		summary string
		details []string
		hints   []Cause
	}{
		{"date(1) output", lines("built on", "Mon Nov 30 01:49:28 UTC 2026"), lines("built on", "Mon Nov 30 01:52:03 UTC 2026"),
			"1 line removed, 1 added", []string{"-Mon Nov 30 01:49:28 UTC 2026", "+Mon Nov 30 01:52:03 UTC 2026"}, []Cause{CauseDate}},
		{"seconds only", lines("at 01:49:28"), lines("at 01:49:31"), "", nil, []Cause{CauseDate}},
		{"iso date", lines(`#define BUILD "2026-11-30"`), lines(`#define BUILD "2026-12-01"`), "", nil, []Cause{CauseDate}},
		{"__DATE__", lines(`Nov 30 2026`), lines(`Dec  1 2026`), "", nil, []Cause{CauseDate}},
		{"epoch seconds", lines("stamp=1764467368"), lines("stamp=1764467391"), "", nil, []Cause{CauseDate}},
		{"hostname", lines("xbuild"), lines("xbuild-vary-host"), "", nil, []Cause{CauseHostname}},
		{"domain", lines("built by lfs@xbuild.(none)"), lines("built by lfs@xbuild.xbuild-vary-domain"), "", nil, []Cause{CauseHostname}},
		{"user", lines("compiled by lfs"), lines("compiled by xbuild-vary-user"), "", nil, []Cause{CauseUser}},
		{"build path", lines("/build"), lines("/xbuild-vary-path/build"), "", nil, []Cause{CauseBuildPath}},
		{"build path in a longer line", lines("x", "CFLAGS = -g -I/build/hello-2.12/lib -O2", "y"), lines("x", "CFLAGS = -g -I/xbuild-vary-path/build/hello-2.12/lib -O2", "y"),
			"", []string{" x", " y"}, []Cause{CauseBuildPath}},
		{"home", lines("HOME=/build"), lines("HOME=/xbuild-vary-home"), "", nil, []Cause{CauseEnvironment}},
		{"$RANDOM", lines("12345"), lines("2817"), "", nil, []Cause{CauseRandom}},
		{"random hex", lines("seed_9f86d081884c7d65"), lines("seed_2c26b46b68ffc68f"), "", nil, []Cause{CauseRandom}},
		{"ordering", lines("a.o", "b.o", "c.o", "d.o"), lines("c.o", "a.o", "d.o", "b.o"), "the same lines in a different order", nil, []Cause{CauseOrdering}},
		{"reordered list beside a date", lines("# built 2026-11-30", "alpha.o", "beta.o", "gamma.o", "delta.o", "end"), lines("# built 2026-12-01", "gamma.o", "alpha.o", "delta.o", "beta.o", "end"),
			"", nil, []Cause{CauseOrdering, CauseDate}},
		{"a moved brace is no ordering", lines("f() {", "  x", "}", "g() {", "  y", "}"), lines("f() {", "  x2", "}", "g() {", "  y2", "}"),
			"", nil, nil},
		{"plain change, no hint", lines("hello", "world"), lines("hello", "there"), "1 line removed, 1 added, in 1 hunk", []string{"@@ -1,2 +1,2 @@", "-world", "+there"}, nil},
		{"added line", lines("a"), lines("a", "b"), "0 lines removed, 1 added", []string{"@@ -1 +1,2 @@", "+b"}, nil},
		{"final newline", []byte("a\nb"), []byte("a\nb\n"), "final newline", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := Content("etc/x", tc.a, tc.b)
			check(t, e, FormatText, tc.summary, tc.details, tc.hints)
		})
	}
}

func TestUnifiedMatchesDiff(t *testing.T) {
	needTool(t, "diff")
	dir := t.TempDir()
	var a, b []string
	for i := range 60 {
		a = append(a, strings.Repeat("x", i%7)+"line")
		b = append(b, strings.Repeat("x", i%7)+"line")
	}
	b[5] = "changed"
	b = slices.Insert(b, 30, "inserted")
	b = slices.Delete(b, 50, 52)
	write(t, filepath.Join(dir, "a"), strings.Join(a, "\n")+"\n", time.Time{})
	write(t, filepath.Join(dir, "b"), strings.Join(b, "\n")+"\n", time.Time{})
	out, _ := exec.Command("diff", "-U3", filepath.Join(dir, "a"), filepath.Join(dir, "b")).Output()
	want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")[2:] // drop ---/+++
	e := Content("f", read(t, filepath.Join(dir, "a")), read(t, filepath.Join(dir, "b")))
	got := e.Details[2:]
	if !slices.Equal(got, want) {
		t.Errorf("hunks differ from diff -U3\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMyersMinimal(t *testing.T) {
	tests := []struct{ a, b string }{
		{"abcabba", "cbabac"},
		{"", "abc"},
		{"abc", ""},
		{"abcdef", "abcdef"},
		{"xaxbxc", "abc"},
	}
	for _, tc := range tests {
		a, b := strings.Split(tc.a, ""), strings.Split(tc.b, "")
		if tc.a == "" {
			a = nil
		}
		if tc.b == "" {
			b = nil
		}
		es := diffLines(a, b)
		var ra, rb []string
		edits := 0
		for _, e := range es {
			switch e.kind {
			case ' ':
				ra, rb = append(ra, a[e.a]), append(rb, b[e.b])
			case '-':
				ra = append(ra, a[e.a])
				edits++
			case '+':
				rb = append(rb, b[e.b])
				edits++
			}
		}
		if !slices.Equal(ra, a) || !slices.Equal(rb, b) {
			t.Errorf("%q -> %q: script does not rebuild the inputs", tc.a, tc.b)
		}
		lcs := lcsLen(a, b)
		if want := len(a) + len(b) - 2*lcs; edits != want {
			t.Errorf("%q -> %q: %d edits, minimal is %d", tc.a, tc.b, edits, want)
		}
	}
}

func lcsLen(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				dp[i][j] = dp[i+1][j+1] + 1
			} else {
				dp[i][j] = max(dp[i+1][j], dp[i][j+1])
			}
		}
	}
	return dp[0][0]
}
