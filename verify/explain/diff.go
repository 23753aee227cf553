package explain

import (
	"fmt"
	"strings"
)

// edit is one step of a line edit script.
type edit struct {
	kind byte // ' ' keep, '-' delete from a, '+' insert from b
	a, b int  // line index in a (keep, delete) and in b (keep, insert)
}

// maxEdits and maxWork bound the Myers search (edits, and edits times
// lines): beyond them the differing middle of the two files is reported as
// one block replaced by another, which keeps a diff of two big, very
// different files to well under a second.
const (
	maxEdits = 2000
	maxWork  = 50_000_000
)

// diffLines returns an edit script turning a into b: Myers' O(ND) greedy
// algorithm after trimming the common head and tail.
func diffLines(a, b []string) []edit {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []edit
	for i := 0; i < pre; i++ {
		out = append(out, edit{' ', i, i})
	}
	mid := myers(a[pre:len(a)-suf], b[pre:len(b)-suf])
	for _, e := range mid {
		out = append(out, edit{e.kind, e.a + pre, e.b + pre})
	}
	for i := suf; i > 0; i-- {
		out = append(out, edit{' ', len(a) - i, len(b) - i})
	}
	return out
}

func myers(a, b []string) []edit {
	n, m := len(a), len(b)
	limit := min(n+m, maxEdits, maxWork/max(n+m, 1))
	off := limit + 1
	v := make([]int, 2*limit+3)
	var trace [][]int
	for d := 0; d <= limit; d++ {
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(trace, n, m)
			}
		}
	}
	// Too different for the bounded search: replace a by b.
	out := make([]edit, 0, n+m)
	for i := range n {
		out = append(out, edit{'-', i, 0})
	}
	for j := range m {
		out = append(out, edit{'+', n, j})
	}
	return out
}

// backtrack walks the saved rounds back from (n, m). trace[d] holds the
// furthest x of each diagonal before round d, for k in [-d-1, d+1].
func backtrack(trace [][]int, n, m int) []edit {
	var rev []edit
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		v := trace[d]
		at := func(k int) int { return v[k+d+1] }
		k := x - y
		var pk int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, edit{' ', x, y})
		}
		if d > 0 {
			if x == px {
				rev = append(rev, edit{'+', x, y - 1})
			} else {
				rev = append(rev, edit{'-', x - 1, y})
			}
		}
		x, y = px, py
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// change is one maximal run of deleted and inserted lines.
type change struct {
	del, ins []string
}

func changes(a, b []string, es []edit) []change {
	var out []change
	var cur change
	flush := func() {
		if len(cur.del)+len(cur.ins) > 0 {
			out = append(out, cur)
		}
		cur = change{}
	}
	for _, e := range es {
		switch e.kind {
		case '-':
			cur.del = append(cur.del, a[e.a])
		case '+':
			cur.ins = append(cur.ins, b[e.b])
		default:
			flush()
		}
	}
	flush()
	return out
}

const (
	diffContext  = 3
	maxHunks     = 4
	maxHunkLines = 40
	maxLineLen   = 160
)

// unified renders an excerpt of the edit script as unified diff hunks:
// at most maxHunks hunks and maxHunkLines lines, long lines cut.
func unified(a, b []string, es []edit) (lines []string, hunks int) {
	// Find hunk ranges over the edit script.
	type rng struct{ lo, hi int } // [lo, hi) in es
	var rs []rng
	for i := 0; i < len(es); {
		if es[i].kind == ' ' {
			i++
			continue
		}
		lo := max(0, i-diffContext)
		j := i
		for {
			for j < len(es) && es[j].kind != ' ' {
				j++
			}
			k := j
			for k < len(es) && es[k].kind == ' ' && k-j < 2*diffContext+1 {
				k++
			}
			if k < len(es) && es[k].kind != ' ' {
				j = k
				continue
			}
			break
		}
		hi := min(len(es), j+diffContext)
		if len(rs) > 0 && lo <= rs[len(rs)-1].hi {
			rs[len(rs)-1].hi = hi
		} else {
			rs = append(rs, rng{lo, hi})
		}
		i = j
	}
	for h, r := range rs {
		if h == maxHunks || len(lines) >= maxHunkLines {
			lines = append(lines, fmt.Sprintf("... %d more hunks", len(rs)-h))
			break
		}
		as, bs, al, bl := -1, -1, 0, 0
		var body []string
		for _, e := range es[r.lo:r.hi] {
			switch e.kind {
			case ' ':
				body = append(body, " "+cut(a[e.a]))
				al++
				bl++
			case '-':
				body = append(body, "-"+cut(a[e.a]))
				al++
			case '+':
				body = append(body, "+"+cut(b[e.b]))
				bl++
			}
			if as < 0 {
				as, bs = e.a, e.b
			}
		}
		lines = append(lines, fmt.Sprintf("@@ -%s +%s @@", hunkRange(as, al), hunkRange(bs, bl)))
		room := maxHunkLines - len(lines)
		if len(body) > room {
			body = append(body[:max(room, 1)], fmt.Sprintf("... %d more lines in this hunk", len(body)-max(room, 1)))
		}
		lines = append(lines, body...)
	}
	return lines, len(rs)
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func cut(s string) string {
	if len(s) <= maxLineLen {
		return s
	}
	return s[:maxLineLen] + "..."
}

func splitLines(data []byte) []string {
	s := string(data)
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func textDiff(path string, a, b []byte) Explanation {
	la, lb := splitLines(a), splitLines(b)
	es := diffLines(la, lb)
	cs := changes(la, lb, es)
	del, ins := 0, 0
	for _, c := range cs {
		del += len(c.del)
		ins += len(c.ins)
	}
	e := Explanation{Format: FormatText}
	if len(cs) == 0 {
		// Same lines: only line endings or the final newline differ.
		e.Summary = "only whitespace at line ends or the final newline differs"
		return e
	}
	details, hunks := unified(la, lb, es)
	e.Details = append([]string{"--- a/" + path, "+++ b/" + path}, details...)
	e.Summary = fmt.Sprintf("%s removed, %d added, in %s", plural(del, "line"), ins, plural(hunks, "hunk"))
	e.Hints = hintsFor(cs)
	if len(e.Hints) == 1 && e.Hints[0].Cause == CauseOrdering {
		e.Summary = fmt.Sprintf("the same lines in a different order (%s moved)", plural(del, "line"))
	}
	return e
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
