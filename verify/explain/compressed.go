package explain

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// maxPayload bounds how much of a compressed file is decompressed.
const maxPayload = 256 << 20

var errPayloadTooBig = errors.New("payload bigger than 256 MiB")

// header describes a compressed stream's framing: the fields that can
// differ while the payload is the same.
type header struct {
	fields map[string]string // e.g. "mtime": "1764467368"
	order  []string
}

func (h *header) set(k, v string) {
	if h.fields == nil {
		h.fields = map[string]string{}
	}
	if _, ok := h.fields[k]; !ok {
		h.order = append(h.order, k)
	}
	h.fields[k] = v
}

// diff lists the fields that differ, "mtime 1 vs 2".
func (h header) diff(o header) []string {
	var out []string
	for _, k := range h.order {
		if h.fields[k] != o.fields[k] {
			out = append(out, fmt.Sprintf("%s %s vs %s", k, h.fields[k], o.fields[k]))
		}
	}
	return out
}

func decompress(f Format, data []byte) (header, []byte, error) {
	switch f {
	case FormatGzip:
		return gunzip(data)
	case FormatXz:
		return unxz(data)
	case FormatZstd:
		return unzstd(data)
	}
	return header{}, nil, fmt.Errorf("cannot decompress %s", f)
}

func readLimited(r io.Reader) ([]byte, error) {
	p, err := io.ReadAll(io.LimitReader(r, maxPayload+1))
	if err != nil {
		return nil, err
	}
	if len(p) > maxPayload {
		return nil, errPayloadTooBig
	}
	return p, nil
}

func gunzip(data []byte) (header, []byte, error) {
	var h header
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return h, nil, err
	}
	h.set("mtime", fmt.Sprint(binary.LittleEndian.Uint32(data[4:8])))
	h.set("name", fmt.Sprintf("%q", zr.Name))
	h.set("comment", fmt.Sprintf("%q", zr.Comment))
	h.set("extra", fmt.Sprintf("%x", zr.Extra))
	h.set("os", fmt.Sprint(zr.OS))
	h.set("xfl", fmt.Sprint(data[8]))
	p, err := readLimited(zr)
	return h, p, err
}

func unxz(data []byte) (header, []byte, error) {
	var h header
	if len(data) >= 8 {
		checks := map[byte]string{0: "none", 1: "crc32", 4: "crc64", 10: "sha256"}
		c, ok := checks[data[7]&0x0f]
		if !ok {
			c = fmt.Sprint(data[7] & 0x0f)
		}
		h.set("check", c)
	}
	zr, err := xz.NewReader(bytes.NewReader(data))
	if err != nil {
		return h, nil, err
	}
	p, err := readLimited(zr)
	return h, p, err
}

func unzstd(data []byte) (header, []byte, error) {
	var h header
	if len(data) >= 5 {
		fhd := data[4]
		h.set("content-size", map[bool]string{true: "recorded", false: "not recorded"}[fhd>>6 != 0 || fhd&0x20 != 0])
		h.set("checksum", map[bool]string{true: "yes", false: "no"}[fhd&0x04 != 0])
		h.set("dictionary", map[bool]string{true: "yes", false: "no"}[fhd&0x03 != 0])
	}
	zr, err := zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxPayload))
	if err != nil {
		return h, nil, err
	}
	defer zr.Close()
	p, err := readLimited(zr)
	return h, p, err
}

func compressedDiff(path string, f Format, a, b []byte, depth int) Explanation {
	ha, pa, erra := decompress(f, a)
	hb, pb, errb := decompress(f, b)
	if erra != nil || errb != nil {
		e := binaryDiff(a, b)
		e.Format = f
		e.Summary = fmt.Sprintf("cannot decompress (%v); %s", firstErr(erra, errb), e.Summary)
		return e
	}
	e := Explanation{Format: f}
	hd := ha.diff(hb)
	if len(hd) > 0 {
		e.Details = append(e.Details, "header: "+strings.Join(hd, ", "))
		if stamped(hd) {
			e.Hints = append(e.Hints, Hint{
				Cause:    CauseTimestamp,
				Evidence: "gzip header: " + strings.Join(hd, ", "),
				Fix:      "gzip -n (or GZIP=-n) leaves out the name and time stamp",
			})
		}
	}
	if bytes.Equal(pa, pb) {
		switch {
		case len(hd) > 0 && stamped(hd):
			e.Summary = fmt.Sprintf("only the %s header differs (%s); the payload is the same", f, strings.Join(hd, ", "))
		default:
			e.Summary = fmt.Sprintf("the same payload (%d bytes), compressed differently (%s)", len(pa), sizes(len(a), len(b)))
			ev := "same payload, different compressed bytes"
			if len(hd) > 0 {
				ev += ": " + strings.Join(hd, ", ")
			}
			e.Hints = append(e.Hints, Hint{
				Cause:    CauseCompressor,
				Evidence: ev,
				Fix:      "pin the compressor's level and threads (xz -T1, zstd --single-thread); zstd records the content size only when it knows it",
			})
		}
		return e
	}
	sub := explainAt(path+" (uncompressed)", pa, pb, depth+1)
	e.Summary = "the payload differs: " + sub.Summary
	if len(hd) > 0 {
		e.Summary += "; and the header: " + strings.Join(hd, ", ")
	}
	e.Details = append(e.Details, nest("payload", sub)...)
	e.Hints = append(e.Hints, sub.Hints...)
	return e
}

// stamped reports header differences that record the time or the input's
// name (gzip without -n).
func stamped(hd []string) bool {
	for _, d := range hd {
		if strings.HasPrefix(d, "mtime ") || strings.HasPrefix(d, "name ") {
			return true
		}
	}
	return false
}

// pycDiff explains Python bytecode (PEP 552): a 16-byte header with magic,
// flags and either the source's mtime and size or its hash, then marshal
// data.
func pycDiff(path string, a, b []byte, depth int) Explanation {
	e := Explanation{Format: FormatPyc}
	ha, hb := a[:16], b[:16]
	var hd []string
	if !bytes.Equal(ha[:4], hb[:4]) {
		hd = append(hd, fmt.Sprintf("magic %x vs %x (another Python version)", ha[:4], hb[:4]))
	}
	fa, fb := binary.LittleEndian.Uint32(ha[4:8]), binary.LittleEndian.Uint32(hb[4:8])
	if fa != fb {
		hd = append(hd, fmt.Sprintf("flags %d vs %d", fa, fb))
	}
	if fa == 0 && fb == 0 {
		if ma, mb := binary.LittleEndian.Uint32(ha[8:12]), binary.LittleEndian.Uint32(hb[8:12]); ma != mb {
			hd = append(hd, fmt.Sprintf("source mtime %d vs %d", ma, mb))
			e.Hints = append(e.Hints, Hint{
				Cause:    CauseTimestamp,
				Evidence: fmt.Sprintf("the .pyc header records the source's mtime: %d vs %d", ma, mb),
				Fix:      "with SOURCE_DATE_EPOCH set, py_compile writes hash-based .pyc (or pass --invalidation-mode checked-hash)",
			})
		}
	} else if !bytes.Equal(ha[8:16], hb[8:16]) {
		hd = append(hd, "source hash differs")
	}
	if len(hd) > 0 {
		e.Details = append(e.Details, "header: "+strings.Join(hd, ", "))
	}
	if bytes.Equal(a[16:], b[16:]) {
		e.Summary = "only the .pyc header differs: " + strings.Join(hd, ", ")
		return e
	}
	sub := binaryDiff(a[16:], b[16:])
	e.Summary = "the marshalled code differs: " + sub.Summary
	if len(hd) > 0 {
		e.Summary += "; and the header: " + strings.Join(hd, ", ")
	}
	e.Details = append(e.Details, nest("code", sub)...)
	e.Hints = append(e.Hints, sub.Hints...)
	return e
}
