package bench

import (
	"strings"
	"testing"
	"time"
)

func TestVerdict(t *testing.T) {
	for _, tc := range []struct {
		row  Row
		want string
	}{
		{Row{Goal: "1", Ratio: 0.9, Limit: 1.0}, "PASS"},
		{Row{Goal: "1", Ratio: 1.0, Limit: 1.0}, "PASS"},
		{Row{Goal: "1", Ratio: 1.01, Limit: 1.0}, "MISS"},
		{Row{Goal: "", Ratio: 3, Limit: 1.0}, "-"},
		{Row{Goal: "5"}, "-"},
	} {
		if got := tc.row.Verdict(); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.row, got, tc.want)
		}
	}
}

func TestWriteMarkdown(t *testing.T) {
	tb := &Table{Title: "**tree**"}
	tb.Add(Row{Goal: "1", Case: "full", Ours: 1500 * time.Millisecond, OursCPU: 2 * time.Second, Anchor: "tar", Base: 2 * time.Second,
		Ratio: 0.75, Limit: 1, Stored: 2_500_000, RSS: 100_000_000})
	tb.Add(Row{Goal: "2", Case: "again", Ratio: 0.2, Limit: 0.1})
	var b strings.Builder
	if err := tb.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	for _, want := range []string{"| 1 | full | 1.50 s (2.00) | tar | 2.00 s | 0.750 | ≤ 1.00 | PASS | 2.5 | 100.0 |", "| 2 | again | - | - | - | 0.200 | ≤ 0.10 | MISS | - | - |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if m := tb.Misses(); len(m) != 1 || m[0].Case != "again" {
		t.Errorf("misses %+v", m)
	}
}
