package explain

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// The canaries verify/vary puts into the second build. Each is unlikely
// enough to appear by chance that finding it in a differing file names the
// cause.
const (
	CanaryHost   = "xbuild-vary-host"
	CanaryDomain = "xbuild-vary-domain"
	CanaryUser   = "xbuild-vary-user"
	CanaryPath   = "/xbuild-vary-path"
	CanaryHome   = "/xbuild-vary-home"
	CanaryStray  = "XBUILD_VARY_STRAY"
	// CanaryTZ names the rebuild's time zone; it shows where a local time
	// is printed with its zone.
	CanaryTZ = "XBVARY"
)

type canary struct {
	text  string
	cause Cause
	fix   string
}

// canaries is ordered so that the most specific match wins.
func canaries() []canary {
	return []canary{
		{CanaryPath, CauseBuildPath, "map the build directory away: -ffile-prefix-map=$PWD=. (or build in a fixed path)"},
		{CanaryHost, CauseHostname, "do not record `uname -n`/hostname; pin it (KBUILD_BUILD_HOST, XEN_BUILD_HOST, Perl's cf_by/myhostname)"},
		{CanaryDomain, CauseHostname, "do not record the domain name; pin it (XEN_DOMAIN, Perl's mydomain)"},
		{CanaryUser, CauseUser, "do not record $USER/whoami; pin it (KBUILD_BUILD_USER, XEN_WHOAMI, Perl's cf_by)"},
		{CanaryHome, CauseEnvironment, "do not record $HOME"},
		{CanaryStray, CauseEnvironment, "do not record the whole environment"},
		{CanaryTZ, CauseTimezone, "print times in UTC (date -u, gmtime) from SOURCE_DATE_EPOCH"},
	}
}

const (
	fixDate     = "use SOURCE_DATE_EPOCH instead of the current time"
	fixRandom   = "derive the value from the input (e.g. gcc -frandom-seed=<file>, a fixed seed) or sort"
	fixOrdering = "sort the list (LC_ALL=C sort) or generate it serially, not in parallel-build or readdir order"
)

// dateRE matches the usual spellings of a date, a time of day or a Unix
// time in seconds (2001 to 2096) or milliseconds. Compiled once, it is
// immutable and safe for concurrent use.
var dateRE = regexp.MustCompile(`(?i)` + strings.Join([]string{
	`\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}\b`,
	`\b\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+\d{4}\b`,
	`\b\d{4}-\d{2}-\d{2}([t ]\d{2}:\d{2}(:\d{2})?)?`,
	`\b\d{4}/\d{2}/\d{2}\b`,
	`\b\d{1,2}/\d{1,2}/\d{2,4}\b`,
	`\b\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\b`,
	`\b20\d{2}[01]\d[0-3]\d([t_]?\d{4,6})?\b`,
	`\b[1-4]\d{9}\b`,
	`\b1\d{12}\b`,
}, "|"))

// maxHintLines bounds the changed lines hintsFor reads: the causes show in
// the first few thousand, and a file with more is explained well enough.
const maxHintLines = 5000

// hintsFor looks at the changed lines of a diff and names likely causes.
func hintsFor(cs []change) []Hint {
	if h, ok := orderingHint(cs); ok {
		return []Hint{h}
	}
	var hs []Hint
	if h, rest, ok := movedLines(cs); ok {
		hs, cs = append(hs, h), rest
	}
	budget := maxHintLines
	for _, c := range cs {
		n := min(len(c.del), len(c.ins), budget)
		for i := range n {
			hs = append(hs, pairHints(c.del[i], c.ins[i])...)
		}
		budget -= n
		for _, l := range c.del[n:min(len(c.del), n+budget)] {
			hs = append(hs, lineHints(l, "a")...)
			budget--
		}
		for _, l := range c.ins[n:min(len(c.ins), n+max(budget, 0))] {
			hs = append(hs, lineHints(l, "b")...)
			budget--
		}
		if budget <= 0 {
			break
		}
	}
	return dedupe(hs)
}

// orderingHint reports a diff whose removed lines are the added ones in
// another order.
func orderingHint(cs []change) (Hint, bool) {
	var del, ins []string
	for _, c := range cs {
		del = append(del, c.del...)
		ins = append(ins, c.ins...)
	}
	if len(del) == 0 || len(del) != len(ins) {
		return Hint{}, false
	}
	slices.Sort(del)
	slices.Sort(ins)
	if !slices.Equal(del, ins) {
		return Hint{}, false
	}
	return Hint{
		Cause:    CauseOrdering,
		Evidence: fmt.Sprintf("the same %d lines in another order, e.g. %q", len(del), cut(del[0])),
		Fix:      fixOrdering,
	}, true
}

// minMoved is how many substantial lines must be both removed and added
// elsewhere before a diff that also changes other lines gets an ordering
// hint: a lone "}" or blank line moving is how edits look, not a cause.
const minMoved = 2

// movedLines finds lines removed in one place and added in another (a
// partly reordered list beside other changes), and returns the changes
// without them, so that the other lines are not paired with moved ones.
func movedLines(cs []change) (Hint, []change, bool) {
	substantial := func(l string) bool { return len(strings.TrimSpace(l)) >= 4 }
	removed := map[string]int{}
	for _, c := range cs {
		for _, l := range c.del {
			if substantial(l) {
				removed[l]++
			}
		}
	}
	moved := map[string]int{}
	n := 0
	var example string
	for _, c := range cs {
		for _, l := range c.ins {
			if removed[l] > moved[l] {
				moved[l]++
				n++
				if example == "" {
					example = l
				}
			}
		}
	}
	if n < minMoved {
		return Hint{}, cs, false
	}
	drop := func(ls []string, budget map[string]int) []string {
		var out []string
		for _, l := range ls {
			if budget[l] > 0 {
				budget[l]--
				continue
			}
			out = append(out, l)
		}
		return out
	}
	delBudget, insBudget := maps.Clone(moved), maps.Clone(moved)
	var rest []change
	for _, c := range cs {
		r := change{del: drop(c.del, delBudget), ins: drop(c.ins, insBudget)}
		if len(r.del)+len(r.ins) > 0 {
			rest = append(rest, r)
		}
	}
	return Hint{
		Cause:    CauseOrdering,
		Evidence: fmt.Sprintf("%d lines moved, e.g. %q", n, cut(example)),
		Fix:      fixOrdering,
	}, rest, true
}

// canaryHints names the canaries whose count differs between x and y.
func canaryHints(x, y string) []Hint {
	var hs []Hint
	for _, c := range canaries() {
		nx, ny := strings.Count(x, c.text), strings.Count(y, c.text)
		if nx == ny {
			continue
		}
		side, line := "b", y
		if nx > ny {
			side, line = "a", x
		}
		hs = append(hs, Hint{Cause: c.cause, Evidence: fmt.Sprintf("%s: %q", side, excerpt(line, c.text)), Fix: c.fix})
	}
	return hs
}

// pairHints explains a line of a replaced by a line of b.
func pairHints(x, y string) []Hint {
	if hs := canaryHints(x, y); len(hs) > 0 {
		return hs
	}
	p, s := commonAffixes(x, y)
	xs, xe := p, len(x)-s
	ys, ye := p, len(y)-s
	mx, okx := dateAt(x, xs, xe)
	my, oky := dateAt(y, ys, ye)
	if okx || oky {
		return []Hint{{Cause: CauseDate, Evidence: fmt.Sprintf("%q vs %q", mx, my), Fix: fixDate}}
	}
	tx, ty := token(x, xs, xe), token(y, ys, ye)
	if randomLooking(tx, ty) {
		return []Hint{{Cause: CauseRandom, Evidence: fmt.Sprintf("%q vs %q", cut(tx), cut(ty)), Fix: fixRandom}}
	}
	return nil
}

// lineHints explains a line present on one side only.
func lineHints(l, side string) []Hint {
	var x, y string
	if side == "a" {
		x = l
	} else {
		y = l
	}
	if hs := canaryHints(x, y); len(hs) > 0 {
		return hs
	}
	if m := dateRE.FindString(l); m != "" {
		return []Hint{{Cause: CauseDate, Evidence: fmt.Sprintf("%s: %q", side, m), Fix: fixDate}}
	}
	return nil
}

// commonAffixes returns the lengths of the common prefix and suffix of x
// and y, not overlapping.
func commonAffixes(x, y string) (p, s int) {
	for p < len(x) && p < len(y) && x[p] == y[p] {
		p++
	}
	for s < len(x)-p && s < len(y)-p && x[len(x)-1-s] == y[len(y)-1-s] {
		s++
	}
	return p, s
}

// dateAt returns a date or time in l that touches the differing span
// [start, end).
func dateAt(l string, start, end int) (string, bool) {
	for _, m := range dateRE.FindAllStringIndex(l, -1) {
		touches := m[0] < end && m[1] > start
		if start == end {
			touches = m[0] <= start && m[1] >= start
		}
		if touches {
			return l[m[0]:m[1]], true
		}
	}
	return "", false
}

func isWord(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// token widens [start, end) of l to whole words.
func token(l string, start, end int) string {
	for start > 0 && isWord(l[start-1]) {
		start--
	}
	for end < len(l) && isWord(l[end]) {
		end++
	}
	return l[start:end]
}

// randomLooking reports two differing words that look like generated
// values: word characters only, at least one of three or more characters,
// and digits in both.
func randomLooking(x, y string) bool {
	if x == "" || y == "" || max(len(x), len(y)) < 3 || len(x) > 128 || len(y) > 128 {
		return false
	}
	for _, t := range []string{x, y} {
		digits := false
		for i := 0; i < len(t); i++ {
			if !isWord(t[i]) {
				return false
			}
			if t[i] >= '0' && t[i] <= '9' {
				digits = true
			}
		}
		if !digits {
			return false
		}
	}
	return true
}

// excerpt returns up to 60 characters of l around needle.
func excerpt(l, needle string) string {
	i := strings.Index(l, needle)
	if i < 0 || len(l) <= 80 {
		return cut(l)
	}
	lo := max(0, i-30)
	hi := min(len(l), i+len(needle)+30)
	return "..." + l[lo:hi] + "..."
}

// Strings names likely causes for two short differing strings, such as
// two symlink targets or a path present in one build only (pass "" for the
// missing side).
func Strings(a, b string) []Hint {
	switch {
	case a == b:
		return nil
	case a == "":
		return lineHints(b, "b")
	case b == "":
		return lineHints(a, "a")
	}
	return dedupe(pairHints(a, b))
}
