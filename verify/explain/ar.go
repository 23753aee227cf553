package explain

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// arMember is one member of a System V / GNU ar archive.
type arMember struct {
	name                  string
	mtime, uid, gid, mode string // header fields, as written
	data                  []byte
}

const arHeaderLen = 60

// parseAr reads a common-format archive: 60-byte member headers, GNU "/"
// and "/SYM64/" symbol tables, the "//" long-name table and "/N" names, BSD
// "#1/N" names.
func parseAr(data []byte) ([]arMember, error) {
	if !bytes.HasPrefix(data, []byte(magicAr)) {
		return nil, errors.New("not an ar archive")
	}
	var out []arMember
	var longNames []byte
	for off := len(magicAr); off < len(data); {
		if data[off] == '\n' { // stray padding
			off++
			continue
		}
		if off+arHeaderLen > len(data) {
			return nil, fmt.Errorf("truncated member header at %d", off)
		}
		h := data[off : off+arHeaderLen]
		if string(h[58:60]) != "`\n" {
			return nil, fmt.Errorf("bad member header at %d", off)
		}
		field := func(lo, hi int) string { return strings.TrimRight(string(h[lo:hi]), " ") }
		size, err := strconv.ParseInt(field(48, 58), 10, 64)
		if err != nil || size < 0 || int64(off+arHeaderLen)+size > int64(len(data)) {
			return nil, fmt.Errorf("bad member size at %d", off)
		}
		body := data[off+arHeaderLen : off+arHeaderLen+int(size)]
		m := arMember{name: field(0, 16), mtime: field(16, 28), uid: field(28, 34), gid: field(34, 40), mode: field(40, 48), data: body}
		switch {
		case m.name == "//":
			longNames = body
		case m.name == "/" || m.name == "/SYM64/" || m.name == "__.SYMDEF" || m.name == "__.SYMDEF SORTED":
			m.name = "(symbol index)"
		case strings.HasPrefix(m.name, "/") && len(m.name) > 1:
			if i, err := strconv.Atoi(m.name[1:]); err == nil && i < len(longNames) {
				n := longNames[i:]
				if j := bytes.Index(n, []byte("/\n")); j >= 0 {
					n = n[:j]
				}
				m.name = string(n)
			}
		case strings.HasPrefix(m.name, "#1/"):
			if n, err := strconv.Atoi(m.name[3:]); err == nil && n <= len(body) {
				m.name = strings.TrimRight(string(body[:n]), "\x00")
				m.data = body[n:]
			}
		default:
			m.name = strings.TrimSuffix(m.name, "/")
		}
		if m.name != "//" {
			out = append(out, m)
		}
		off += arHeaderLen + int(size) + int(size%2)
	}
	return out, nil
}

func arDiff(path string, a, b []byte, depth int) Explanation {
	ma, erra := parseAr(a)
	mb, errb := parseAr(b)
	if erra != nil || errb != nil {
		e := binaryDiff(a, b)
		e.Format = FormatAr
		e.Summary = fmt.Sprintf("unreadable ar archive (%v); %s", firstErr(erra, errb), e.Summary)
		return e
	}
	e := Explanation{Format: FormatAr}
	names := func(ms []arMember) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.name)
		}
		return out
	}
	na, nb := names(ma), names(mb)
	if !slices.Equal(na, nb) {
		sa, sb := slices.Clone(na), slices.Clone(nb)
		slices.Sort(sa)
		slices.Sort(sb)
		if slices.Equal(sa, sb) {
			e.Summary = "the same members in a different order"
			e.Details = []string{"a: " + strings.Join(na, " "), "b: " + strings.Join(nb, " ")}
			e.Hints = []Hint{{Cause: CauseOrdering, Evidence: "member order " + cut(strings.Join(na, " ")) + " vs " + cut(strings.Join(nb, " ")), Fix: "pass the objects to ar in a sorted order"}}
			return e
		}
		cs := changes(na, nb, diffLines(na, nb))
		for _, c := range cs {
			for _, n := range c.del {
				e.Details = append(e.Details, "member only in a: "+n)
			}
			for _, n := range c.ins {
				e.Details = append(e.Details, "member only in b: "+n)
			}
		}
	}
	bIndex := map[string][]arMember{}
	for _, m := range mb {
		bIndex[m.name] = append(bIndex[m.name], m)
	}
	headerOnly, contentDiffers := 0, 0
	var stamp, headerDetails []string
	for _, x := range ma {
		ys := bIndex[x.name]
		if len(ys) == 0 {
			continue
		}
		y := ys[0]
		bIndex[x.name] = ys[1:]
		var fields []string
		for _, f := range []struct{ name, a, b string }{{"mtime", x.mtime, y.mtime}, {"uid", x.uid, y.uid}, {"gid", x.gid, y.gid}, {"mode", x.mode, y.mode}} {
			if f.a != f.b {
				fields = append(fields, fmt.Sprintf("%s %s vs %s", f.name, f.a, f.b))
			}
		}
		same := bytes.Equal(x.data, y.data)
		switch {
		case same && len(fields) == 0:
			continue
		case same:
			headerOnly++
			if len(stamp) == 0 {
				stamp = fields
			}
			headerDetails = append(headerDetails, fmt.Sprintf("%s: header only: %s", x.name, strings.Join(fields, ", ")))
		default:
			contentDiffers++
			sub := explainAt(path+"("+x.name+")", x.data, y.data, depth+1)
			if len(fields) > 0 {
				sub.Summary += "; header: " + strings.Join(fields, ", ")
				headerOnly++ // the header differs too
				if len(stamp) == 0 {
					stamp = fields
				}
			}
			e.Details = append(e.Details, nest(x.name, sub)...)
			if x.name != "(symbol index)" {
				e.Hints = append(e.Hints, sub.Hints...)
			}
		}
	}
	// Content first: a time-stamped archive would bury it in headers.
	const maxHeaderDetails = 5
	if len(headerDetails) > maxHeaderDetails {
		n := len(headerDetails) - maxHeaderDetails
		headerDetails = append(headerDetails[:maxHeaderDetails], fmt.Sprintf("... %d more members differ in their header only", n))
	}
	e.Details = append(e.Details, headerDetails...)
	if headerOnly > 0 {
		e.Hints = append([]Hint{{
			Cause:    CauseTimestamp,
			Evidence: fmt.Sprintf("%d member headers differ, e.g. %s", headerOnly, strings.Join(stamp, ", ")),
			Fix:      "deterministic archives: configure binutils with --enable-deterministic-archives, or use ar D",
		}}, e.Hints...)
	}
	switch {
	case contentDiffers == 0 && headerOnly > 0 && slices.Equal(na, nb):
		e.Summary = fmt.Sprintf("only member headers differ (time stamps, owners, modes) in %d of %d members; the contents are the same", headerOnly, len(ma))
	default:
		e.Summary = fmt.Sprintf("%d of %d members differ in content, %d in header", contentDiffers, len(ma), headerOnly)
	}
	return e
}
