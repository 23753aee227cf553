package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/xlapp/xbuild/verify/explain"
	"github.com/xlapp/xbuild/verify/vary"
)

// Kind says how a path differs between the two builds.
type Kind string

const (
	ContentKind Kind = "content"     // same type, different bytes
	Mode        Kind = "mode"        // permission bits
	Owner       Kind = "owner"       // numeric uid:gid
	LinkTarget  Kind = "link-target" // symlink target
	OnlyInA     Kind = "only-in-a"   // present in the first build only
	OnlyInB     Kind = "only-in-b"   // present in the second build only
	Type        Kind = "type"        // file vs directory vs symlink ...
	Xattr       Kind = "xattr"       // extended attributes
	Mtime       Kind = "mtime"       // modification time (after clamping)
)

// Difference is one way one path differs. A path that differs in several
// ways has several Differences.
type Difference struct {
	Path string `json:"path"`
	Kind Kind   `json:"kind"`
	// A and B are the two values for metadata kinds ("0644", "0:0", a link
	// target, "file"); empty for content.
	A string `json:"a,omitempty"`
	B string `json:"b,omitempty"`
	// Explanation is set for content differences.
	Explanation *explain.Explanation `json:"explanation,omitempty"`
	// Hints are likely causes; for content they are the explanation's.
	Hints []explain.Hint `json:"hints,omitempty"`
}

// Content makes the difference of a path whose content differs.
func Content(path string, e explain.Explanation) Difference {
	return Difference{Path: path, Kind: ContentKind, Explanation: &e, Hints: e.Hints}
}

// Metadata makes a metadata difference (mode, owner, link target, type or
// presence) and names its likely cause where the values show one. Modes
// are octal ("0755"), owners "uid:gid".
func Metadata(path string, kind Kind, a, b string) Difference {
	d := Difference{Path: path, Kind: kind, A: a, B: b}
	switch kind {
	case Mode:
		ma, erra := strconv.ParseUint(a, 8, 32)
		mb, errb := strconv.ParseUint(b, 8, 32)
		if erra == nil && errb == nil && ma != mb && (ma^mb)&^0o022 == 0 {
			d.Hints = []explain.Hint{{
				Cause:    explain.CauseUmask,
				Evidence: fmt.Sprintf("mode %s vs %s: only group or other write permission differs", a, b),
				Fix:      "set the mode explicitly (install -m, chmod) instead of inheriting the umask",
			}}
		}
	case Owner:
		d.Hints = []explain.Hint{{
			Cause:    explain.CauseUser,
			Evidence: fmt.Sprintf("owner %s vs %s: the file keeps the build user's id", a, b),
			Fix:      "install as root or chown to a fixed owner",
		}}
	case LinkTarget:
		d.Hints = explain.Strings(a, b)
	case Mtime:
		d.Hints = []explain.Hint{{
			Cause:    explain.CauseDate,
			Evidence: fmt.Sprintf("mtime %s vs %s", a, b),
			Fix:      "set the time stamp from SOURCE_DATE_EPOCH (touch -d @$SOURCE_DATE_EPOCH) or keep the source's",
		}}
	case OnlyInA:
		d.Hints = explain.Strings(path, "")
	case OnlyInB:
		d.Hints = explain.Strings("", path)
	}
	return d
}

// Against says what the first build was compared with.
type Against string

const (
	Rebuild   Against = "rebuild"   // a rebuild with variations
	Published Against = "published" // the digest recorded in the lock file
)

// Report is the outcome of verifying one stage.
type Report struct {
	Stage   string  `json:"stage"`
	Against Against `json:"against"`
	// A is the cached (or local) build's snapshot digest; B the rebuild's
	// or the published one.
	A digest.Digest `json:"a"`
	B digest.Digest `json:"b"`
	// Files is the number of paths compared, when known.
	Files int `json:"files,omitempty"`
	// Variations are the rebuild's, as vary.Set.Apply reported them.
	Variations []vary.Applied `json:"variations,omitempty"`
	// Notes are further facts about the comparison, such as vary.KernelNote.
	Notes       []string     `json:"notes,omitempty"`
	Differences []Difference `json:"differences,omitempty"`
}

// Reproducible reports whether the two builds are the same: no differing
// path, and the same digest where both are known.
func (r Report) Reproducible() bool {
	if r.A != "" && r.B != "" && r.A != r.B {
		return false
	}
	return len(r.Differences) == 0
}

// paths returns the sorted distinct differing paths.
func (r Report) paths() []string {
	var ps []string
	for _, d := range r.Differences {
		ps = append(ps, d.Path)
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

func (r Report) applied() (on, off int) {
	for _, v := range r.Variations {
		if v.Applied {
			on++
		} else {
			off++
		}
	}
	return on, off
}

// Verdict is the report's one-line summary.
func (r Report) Verdict() string {
	switch {
	case r.Reproducible() && r.Against == Published:
		return fmt.Sprintf("%s: matches the published digest %s", r.Stage, r.B)
	case r.Reproducible():
		on, _ := r.applied()
		return fmt.Sprintf("%s: reproducible: %s, identical with %d of %d variations applied", r.Stage, cmp.Or(r.A, r.B), on, len(r.Variations))
	case r.Against == Published:
		return fmt.Sprintf("%s: DIFFERS from the published digest: built %s, published %s", r.Stage, r.A, r.B)
	case len(r.Differences) == 0:
		return fmt.Sprintf("%s: NOT reproducible: the snapshot digests differ (%s vs %s) but no path does", r.Stage, r.A, r.B)
	}
	n := len(r.paths())
	of := ""
	if r.Files > 0 {
		of = fmt.Sprintf(" of %d", r.Files)
	}
	verb := "paths differ"
	if n == 1 {
		verb = "path differs"
	}
	return fmt.Sprintf("%s: NOT reproducible: %d%s %s", r.Stage, n, of, verb)
}

// Causes counts, for each hinted cause, the paths it is hinted for, most
// frequent first, build-id last.
func (r Report) Causes() []CauseCount {
	byCause := map[explain.Cause]map[string]bool{}
	for _, d := range r.Differences {
		for _, h := range d.Hints {
			if byCause[h.Cause] == nil {
				byCause[h.Cause] = map[string]bool{}
			}
			byCause[h.Cause][d.Path] = true
		}
	}
	var out []CauseCount
	for c, ps := range byCause {
		out = append(out, CauseCount{c, len(ps)})
	}
	// A changed build-id follows from any other change: list it last.
	derived := func(c explain.Cause) int {
		if c == explain.CauseBuildID {
			return 1
		}
		return 0
	}
	slices.SortFunc(out, func(a, b CauseCount) int {
		return cmp.Or(derived(a.Cause)-derived(b.Cause), b.Paths-a.Paths, strings.Compare(string(a.Cause), string(b.Cause)))
	})
	return out
}

// CauseCount is how many paths a cause is hinted for.
type CauseCount struct {
	Cause explain.Cause `json:"cause"`
	Paths int           `json:"paths"`
}

// maxTextDifferences and maxTextDetails bound the text report; the JSON
// report has everything.
const (
	maxTextDifferences = 200
	maxTextDetails     = 24
)

// WriteText writes the report for people: the verdict line first.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintln(&b, r.Verdict())
	names := map[Against][2]string{Rebuild: {"cached ", "rebuilt"}, Published: {"built    ", "published"}}[r.Against]
	if names[0] == "" {
		names = [2]string{"a", "b"}
	}
	if r.A != "" || r.B != "" {
		fmt.Fprintf(&b, "  %s %s\n  %s %s\n", names[0], r.A, names[1], r.B)
	}
	if len(r.Variations) > 0 {
		on, off := r.applied()
		fmt.Fprintf(&b, "\nvariations: %d applied, %d not applied\n", on, off)
		width := 0
		for _, v := range r.Variations {
			width = max(width, len(v.Name))
		}
		for _, v := range r.Variations {
			state := "applied    "
			if !v.Applied {
				state = "NOT applied"
			}
			fmt.Fprintf(&b, "  %s  %-*s  %s\n", state, width, v.Name, v.Reason)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	if cs := r.Causes(); len(cs) > 0 {
		var parts []string
		for _, c := range cs {
			parts = append(parts, fmt.Sprintf("%s (%d)", c.Cause, c.Paths))
		}
		fmt.Fprintf(&b, "\nlikely causes (paths): %s\n", strings.Join(parts, ", "))
	}
	if len(r.Differences) > 0 {
		fmt.Fprintf(&b, "\ndifferences:\n")
	}
	ds := slices.Clone(r.Differences)
	slices.SortStableFunc(ds, func(a, b Difference) int { return strings.Compare(a.Path, b.Path) })
	for i, d := range ds {
		if i == maxTextDifferences {
			fmt.Fprintf(&b, "... %d more differences (see --json)\n", len(ds)-i)
			break
		}
		writeDifference(&b, d)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDifference(b *strings.Builder, d Difference) {
	switch {
	case d.Explanation != nil:
		fmt.Fprintf(b, "  %s: %s (%s): %s\n", d.Path, d.Kind, d.Explanation.Format, d.Explanation.Summary)
	case d.Kind == OnlyInA || d.Kind == OnlyInB:
		fmt.Fprintf(b, "  %s: %s\n", d.Path, d.Kind)
	default:
		fmt.Fprintf(b, "  %s: %s %s vs %s\n", d.Path, d.Kind, d.A, d.B)
	}
	for _, h := range d.Hints {
		fmt.Fprintf(b, "    hint %s: %s\n", h.Cause, h.Evidence)
		if h.Fix != "" {
			fmt.Fprintf(b, "      fix: %s\n", h.Fix)
		}
	}
	if d.Explanation == nil {
		return
	}
	for i, l := range d.Explanation.Details {
		if i == maxTextDetails {
			fmt.Fprintf(b, "    | ... %d more lines\n", len(d.Explanation.Details)-i)
			break
		}
		fmt.Fprintf(b, "    | %s\n", l)
	}
}

// WriteJSON writes the report for machines: the fields of Report plus
// "verdict", "reproducible" and "causes".
func (r Report) WriteJSON(w io.Writer) error {
	type plain Report // no methods: no recursion
	out := struct {
		Verdict      string       `json:"verdict"`
		Reproducible bool         `json:"reproducible"`
		Causes       []CauseCount `json:"causes,omitempty"`
		plain
	}{r.Verdict(), r.Reproducible(), r.Causes(), plain(r)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}
