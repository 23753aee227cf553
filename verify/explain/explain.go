package explain

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Format names how a file was read.
type Format string

const (
	FormatText   Format = "text"
	FormatELF    Format = "elf"
	FormatAr     Format = "ar"
	FormatGzip   Format = "gzip"
	FormatXz     Format = "xz"
	FormatZstd   Format = "zstd"
	FormatPyc    Format = "pyc"
	FormatBinary Format = "binary"
)

// Cause names a well-known source of irreproducibility.
type Cause string

const (
	CauseDate        Cause = "date"             // the current date or time embedded
	CauseBuildPath   Cause = "build-path"       // the build directory embedded
	CauseHostname    Cause = "hostname"         // the host or domain name embedded
	CauseUser        Cause = "user"             // the build user's name or id embedded
	CauseEnvironment Cause = "environment"      // $HOME or another stray variable embedded
	CauseRandom      Cause = "random"           // a random-looking value, no canary
	CauseOrdering    Cause = "ordering"         // the same items in another order
	CauseTimestamp   Cause = "timestamp-header" // a container header's time stamp or owner
	CauseBuildID     Cause = "build-id"         // an ELF build-id, a hash over the rest
	CauseCompressor  Cause = "compressor"       // same payload, compressed differently
	CauseUmask       Cause = "umask"            // permission bits from the umask
	CauseTimezone    Cause = "timezone"         // a local time printed with its zone
	CauseCache       Cause = "cache"            // a cache of the build machine's state
)

// Hint names a likely cause of a difference and what shows it.
type Hint struct {
	Cause    Cause  `json:"cause"`
	Evidence string `json:"evidence"`
	// Fix is the usual remedy, when there is a well-known one.
	Fix string `json:"fix,omitempty"`
}

// Explanation says how two versions of a file differ.
type Explanation struct {
	Format  Format   `json:"format"`
	Summary string   `json:"summary"`
	Details []string `json:"details,omitempty"`
	Hints   []Hint   `json:"hints,omitempty"`
}

// MaxInMemory is the size up to which Reader reads both versions into
// memory and explains them like Content; bigger files are streamed.
const MaxInMemory = 64 << 20

// maxDepth bounds how deep containers are opened (ar in gzip in ...).
const maxDepth = 3

// maxDetails caps the detail lines of one explanation.
const maxDetails = 60

// Content explains how a and b, two versions of the file at path, differ.
// The path is used for display and to recognise formats that have no magic
// number (Python bytecode). Content never fails: an unreadable container is
// explained as binary.
func Content(path string, a, b []byte) Explanation {
	return explainAt(path, a, b, 0)
}

// Reader explains two versions of a file given as io.ReaderAt and size,
// like Streams.
func Reader(path string, a io.ReaderAt, sizeA int64, b io.ReaderAt, sizeB int64) (Explanation, error) {
	return Streams(path, io.NewSectionReader(a, 0, sizeA), sizeA, io.NewSectionReader(b, 0, sizeB), sizeB)
}

// Streams explains two versions of a file read from a and b, of sizeA and
// sizeB bytes. Files up to MaxInMemory are read whole and explained like
// Content; bigger ones are compared in chunks without being parsed, with
// hints from the strings of the first differing chunks. Streams fails only
// when a read fails or ends early.
func Streams(path string, a io.Reader, sizeA int64, b io.Reader, sizeB int64) (Explanation, error) {
	if sizeA <= MaxInMemory && sizeB <= MaxInMemory {
		ba, err := readAll(a, sizeA)
		if err != nil {
			return Explanation{}, fmt.Errorf("read %s (a): %w", path, err)
		}
		bb, err := readAll(b, sizeB)
		if err != nil {
			return Explanation{}, fmt.Errorf("read %s (b): %w", path, err)
		}
		return Content(path, ba, bb), nil
	}
	return streamed(path, a, sizeA, b, sizeB, 1<<20)
}

func readAll(r io.Reader, size int64) ([]byte, error) {
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

func explainAt(path string, a, b []byte, depth int) (e Explanation) {
	defer func() {
		// A parser tripping over a malformed file must not take the
		// whole verify run down: fall back to a byte comparison.
		if p := recover(); p != nil {
			e = binaryDiff(a, b)
			e.Summary = fmt.Sprintf("cannot parse (%v); %s", p, e.Summary)
		}
	}()
	if bytes.Equal(a, b) {
		return Explanation{Format: sniff(path, a), Summary: "identical"}
	}
	e = dispatch(path, a, b, depth)
	if len(e.Details) > maxDetails {
		n := len(e.Details) - maxDetails
		e.Details = append(e.Details[:maxDetails:maxDetails], fmt.Sprintf("... %d more lines", n))
	}
	if depth == 0 {
		e.Hints = append(pathHints(path), e.Hints...)
	}
	e.Hints = dedupe(e.Hints)
	return e
}

// dispatch explains a and b by their format.
func dispatch(path string, a, b []byte, depth int) Explanation {
	if depth < maxDepth {
		if e, ok := moduleDiff(path, a, b, depth+1); ok {
			return e
		}
	}
	var e Explanation
	switch fa, fb := sniff(path, a), sniff(path, b); {
	case fa != fb:
		e = binaryDiff(a, b)
		e.Summary = fmt.Sprintf("format differs: %s vs %s; %s", fa, fb, e.Summary)
	case depth >= maxDepth && fa != FormatText:
		e = binaryDiff(a, b)
	case fa == FormatText:
		e = textDiff(path, a, b)
	case fa == FormatELF:
		e = elfDiff(path, a, b)
	case fa == FormatAr:
		e = arDiff(path, a, b, depth)
	case fa == FormatGzip, fa == FormatXz, fa == FormatZstd:
		e = compressedDiff(path, fa, a, b, depth)
	case fa == FormatPyc:
		e = pycDiff(path, a, b, depth)
	default:
		e = binaryDiff(a, b)
	}
	return e
}

const (
	magicELF  = "\x7fELF"
	magicAr   = "!<arch>\n"
	magicGzip = "\x1f\x8b"
	magicXz   = "\xfd7zXZ\x00"
	magicZstd = "\x28\xb5\x2f\xfd"
)

// sniff names a file's format from its first bytes (and, for Python
// bytecode, its name).
func sniff(path string, data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte(magicELF)):
		return FormatELF
	case bytes.HasPrefix(data, []byte(magicAr)):
		return FormatAr
	case bytes.HasPrefix(data, []byte(magicGzip)):
		return FormatGzip
	case bytes.HasPrefix(data, []byte(magicXz)):
		return FormatXz
	case bytes.HasPrefix(data, []byte(magicZstd)):
		return FormatZstd
	case strings.HasSuffix(path, ".pyc") && len(data) >= 16:
		return FormatPyc
	case isText(data):
		return FormatText
	}
	return FormatBinary
}

// isText reports whether data looks like text: no NUL byte and few control
// characters in its first 8 KiB.
func isText(data []byte) bool {
	head := data[:min(len(data), 8<<10)]
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b && c != '\b' {
			ctl++
		}
	}
	return ctl*100 <= len(head)
}

// dedupe keeps the first hint of each cause, in order of appearance.
func dedupe(hs []Hint) []Hint {
	if len(hs) == 0 {
		return nil
	}
	seen := map[Cause]bool{}
	out := hs[:0:0]
	for _, h := range hs {
		if seen[h.Cause] {
			continue
		}
		seen[h.Cause] = true
		out = append(out, h)
	}
	return out
}

// nest prefixes a nested explanation's lines for its container's details.
func nest(prefix string, e Explanation) []string {
	out := []string{prefix + ": " + string(e.Format) + ": " + e.Summary}
	for _, d := range e.Details {
		out = append(out, "  "+d)
	}
	return out
}
