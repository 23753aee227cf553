package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Row is one line of the results table: a case, xbuild's figure, the
// anchor it is compared with and their ratio. Goal is the goal
// number ("" for a reference row that only informs); Limit is the highest
// ratio that meets it (0: no limit).
type Row struct {
	Goal   string
	Case   string
	Ours   time.Duration // 0: not a timed case
	Anchor string        // what the ratio compares with
	Base   time.Duration // the anchor's time, 0 if not timed
	// CPU time (user + system) of Ours and Base, shown beside the wall
	// times: on a shared machine the less noisy figure
	OursCPU, BaseCPU time.Duration
	Ratio            float64 // ours / anchor (time, bytes or RSS as the case says)
	Limit            float64
	Stored           int64 // bytes xbuild stored, or the anchor's output; 0: n/a
	RSS              int64 // xbuild's peak RSS in bytes; 0: n/a
}

// Verdict is PASS or MISS for a goal row, "-" for a reference row.
func (r Row) Verdict() string {
	switch {
	case r.Goal == "" || r.Limit == 0:
		return "-"
	case r.Ratio <= r.Limit:
		return "PASS"
	default:
		return "MISS"
	}
}

// Table is the results of one tree.
type Table struct {
	Title string
	Rows  []Row
}

// Add appends a row.
func (t *Table) Add(r Row) { t.Rows = append(t.Rows, r) }

// Misses returns the goal rows that missed.
func (t *Table) Misses() []Row {
	var m []Row
	for _, r := range t.Rows {
		if r.Verdict() == "MISS" {
			m = append(m, r)
		}
	}
	return m
}

// WriteMarkdown writes the table as a Markdown pipe table, ready to paste
// into the README.
func (t *Table) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	if t.Title != "" {
		fmt.Fprintf(&b, "%s\n\n", t.Title)
	}
	b.WriteString("| goal | case | xbuild wall (cpu) | anchor | anchor wall (cpu) | ratio | limit | verdict | stored MB | peak RSS MB |\n")
	b.WriteString("|---|---|--:|---|--:|--:|--:|---|--:|--:|\n")
	for _, r := range t.Rows {
		limit := "-"
		if r.Limit > 0 {
			limit = fmt.Sprintf("≤ %.2f", r.Limit)
		}
		ratio := "-"
		if r.Ratio > 0 {
			ratio = fmt.Sprintf("%.3f", r.Ratio)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			dash(r.Goal), r.Case, secs(r.Ours, r.OursCPU), dash(r.Anchor), secs(r.Base, r.BaseCPU), ratio, limit, r.Verdict(), mb(r.Stored), mb(r.RSS))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func secs(wall, cpu time.Duration) string {
	switch {
	case wall == 0:
		return "-"
	case cpu == 0:
		return fmt.Sprintf("%.2f s", wall.Seconds())
	}
	return fmt.Sprintf("%.2f s (%.2f)", wall.Seconds(), cpu.Seconds())
}

func mb(n int64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(n)/1e6)
}
