package explain

import (
	"fmt"
	"io"
)

// minString is the shortest run of printable bytes counted as a string,
// as strings(1) does.
const minString = 4

// printables returns the runs of printable ASCII in data, like strings(1).
func printables(data []byte) []string {
	var out []string
	start := -1
	for i := 0; i <= len(data); i++ {
		printable := i < len(data) && (data[i] >= 0x20 && data[i] < 0x7f || data[i] == '\t')
		if printable {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= minString {
			out = append(out, string(data[start:i]))
		}
		start = -1
	}
	return out
}

// stringsDiff diffs the printable strings of a and b and returns detail
// lines (at most limit) and hints.
func stringsDiff(a, b []byte, limit int) ([]string, []Hint) {
	sa, sb := printables(a), printables(b)
	cs := changes(sa, sb, diffLines(sa, sb))
	if len(cs) == 0 {
		return nil, nil
	}
	var lines []string
	n := 0
	for _, c := range cs {
		for _, l := range c.del {
			n++
			if len(lines) < limit {
				lines = append(lines, "- "+cut(l))
			}
		}
		for _, l := range c.ins {
			n++
			if len(lines) < limit {
				lines = append(lines, "+ "+cut(l))
			}
		}
	}
	if n > len(lines) {
		lines = append(lines, fmt.Sprintf("... %d more differing strings", n-len(lines)))
	}
	return lines, hintsFor(cs)
}

// byteStats counts the differing bytes of a and b (a size difference counts
// fully) and finds the first one.
func byteStats(a, b []byte) (n int, first int) {
	first = -1
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	if len(a) != len(b) {
		if first < 0 {
			first = min(len(a), len(b))
		}
		n += max(len(a), len(b)) - min(len(a), len(b))
	}
	return n, first
}

func sizes(a, b int) string {
	if a == b {
		return fmt.Sprintf("size %d", a)
	}
	return fmt.Sprintf("size %d vs %d", a, b)
}

func binaryDiff(a, b []byte) Explanation {
	n, first := byteStats(a, b)
	e := Explanation{
		Format:  FormatBinary,
		Summary: fmt.Sprintf("%d bytes differ, the first at offset %#x (%s)", n, first, sizes(len(a), len(b))),
	}
	e.Details, e.Hints = stringsDiff(a, b, 20)
	if len(e.Details) == 0 {
		e.Details = []string{"no printable string differs"}
	} else {
		e.Details = append([]string{"differing strings:"}, e.Details...)
	}
	return e
}

// streamed compares two big files chunk by chunk and looks for hints in
// the strings of the first few differing chunks.
func streamed(path string, a io.Reader, sizeA int64, b io.Reader, sizeB int64, chunk int) (Explanation, error) {
	const sampled = 4
	ba, bb := make([]byte, chunk), make([]byte, chunk)
	var diffChunks int64
	var first int64 = -1
	var details []string
	var hints []Hint
	var format Format
	for off := int64(0); off < max(sizeA, sizeB); off += int64(chunk) {
		na, err := readChunk(a, ba, off, sizeA)
		if err != nil {
			return Explanation{}, fmt.Errorf("read %s (a) at %d: %w", path, off, err)
		}
		nb, err := readChunk(b, bb, off, sizeB)
		if err != nil {
			return Explanation{}, fmt.Errorf("read %s (b) at %d: %w", path, off, err)
		}
		if off == 0 {
			format = sniff(path, ba[:na])
		}
		ca, cb := ba[:na], bb[:nb]
		if string(ca) == string(cb) {
			continue
		}
		diffChunks++
		if first < 0 {
			_, f := byteStats(ca, cb)
			first = off + int64(f)
		}
		if diffChunks <= sampled {
			ls, hs := stringsDiff(ca, cb, 5)
			for _, l := range ls {
				details = append(details, fmt.Sprintf("at %#x: %s", off, l))
			}
			hints = append(hints, hs...)
		}
	}
	return Explanation{
		Format: format,
		Summary: fmt.Sprintf("%d of %d %d-byte chunks differ, the first byte at offset %#x (%s; too big to open, compared byte-wise)",
			diffChunks, (max(sizeA, sizeB)+int64(chunk)-1)/int64(chunk), chunk, first, sizes(int(sizeA), int(sizeB))),
		Details: details,
		Hints:   dedupe(hints),
	}, nil
}

func readChunk(r io.Reader, buf []byte, off, size int64) (int, error) {
	if off >= size {
		return 0, nil
	}
	want := min(int64(len(buf)), size-off)
	return io.ReadFull(r, buf[:want])
}
