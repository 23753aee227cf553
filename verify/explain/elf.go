package explain

import (
	"bytes"
	"debug/elf"
	"fmt"
	"strings"
)

type elfSection struct {
	key  string // name, with "#n" for the n-th repeat of a name
	name string
	typ  elf.SectionType
	size uint64
	data []byte
}

func elfSections(data []byte) ([]elfSection, error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	seen := map[string]int{}
	var out []elfSection
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NULL {
			continue
		}
		key := s.Name
		if n := seen[s.Name]; n > 0 {
			key = fmt.Sprintf("%s#%d", s.Name, n)
		}
		seen[s.Name]++
		es := elfSection{key: key, name: s.Name, typ: s.Type, size: s.Size}
		if s.Type != elf.SHT_NOBITS {
			d, err := s.Data()
			if err != nil {
				return nil, fmt.Errorf("read section %s: %w", s.Name, err)
			}
			es.data = d
		}
		out = append(out, es)
	}
	return out, nil
}

// debugOnly reports sections that carry no code or data: debug
// information and the build-id computed over everything else.
func debugOnly(name string) bool {
	for _, p := range []string{".debug_", ".zdebug_", ".rela.debug_", ".rel.debug_", ".gnu_debuglink", ".gnu_debugaltlink", ".note.gnu.build-id"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// stringBearing reports sections whose differing strings are worth reading
// for hints; in the others (code, tables) printable runs are noise.
func stringBearing(s elfSection) bool {
	if s.name == ".note.gnu.build-id" || s.name == ".gnu_debuglink" {
		return false
	}
	if s.typ == elf.SHT_STRTAB {
		return true
	}
	for _, p := range []string{".rodata", ".data", ".comment", ".debug_str", ".debug_line_str", ".debug_line", ".debug_info", ".interp", ".note", ".modinfo", ".gnu.linkonce.r"} {
		if strings.HasPrefix(s.name, p) {
			return true
		}
	}
	return false
}

func elfDiff(path string, a, b []byte) Explanation {
	sa, erra := elfSections(a)
	sb, errb := elfSections(b)
	if erra != nil || errb != nil {
		e := binaryDiff(a, b)
		e.Format = FormatELF
		e.Summary = fmt.Sprintf("unreadable ELF (%v); %s", firstErr(erra, errb), e.Summary)
		return e
	}
	e := Explanation{Format: FormatELF}
	byKey := map[string]elfSection{}
	for _, s := range sb {
		byKey[s.key] = s
	}
	inA := map[string]bool{}
	var differing []string
	onlyDebug, buildID := true, false
	for _, x := range sa {
		inA[x.key] = true
		y, ok := byKey[x.key]
		if !ok {
			differing = append(differing, x.key)
			e.Details = append(e.Details, fmt.Sprintf("%s: only in a (size %d)", x.key, x.size))
			onlyDebug = onlyDebug && debugOnly(x.name)
			continue
		}
		if x.size == y.size && bytes.Equal(x.data, y.data) {
			continue
		}
		differing = append(differing, x.key)
		onlyDebug = onlyDebug && debugOnly(x.name)
		buildID = buildID || x.name == ".note.gnu.build-id"
		n, first := byteStats(x.data, y.data)
		if x.typ == elf.SHT_NOBITS {
			e.Details = append(e.Details, fmt.Sprintf("%s: %s", x.key, sizes(int(x.size), int(y.size))))
			continue
		}
		e.Details = append(e.Details, fmt.Sprintf("%s: %d bytes differ from offset %#x (%s)", x.key, n, first, sizes(len(x.data), len(y.data))))
		if stringBearing(x) {
			ls, hs := stringsDiff(x.data, y.data, 6)
			for _, l := range ls {
				e.Details = append(e.Details, "  "+l)
			}
			e.Hints = append(e.Hints, hs...)
		}
	}
	for _, y := range sb {
		if !inA[y.key] {
			differing = append(differing, y.key)
			e.Details = append(e.Details, fmt.Sprintf("%s: only in b (size %d)", y.key, y.size))
			onlyDebug = onlyDebug && debugOnly(y.name)
		}
	}
	switch {
	case len(differing) == 0:
		e.Summary = "every section is the same: the ELF or program headers or the padding between sections differ"
		n, first := byteStats(a, b)
		e.Details = append(e.Details, fmt.Sprintf("%d bytes differ, the first at offset %#x", n, first))
	case onlyDebug:
		e.Summary = fmt.Sprintf("only the build-id and debug information differ (%s); code and data are the same", strings.Join(differing, ", "))
	default:
		e.Summary = fmt.Sprintf("%d of %d sections differ: %s", len(differing), max(len(sa), len(sb)), strings.Join(differing, ", "))
	}
	if buildID {
		ev := "the build-id is a hash over the linked output: it changes with any other difference"
		if len(differing) == 1 {
			ev = "only .note.gnu.build-id differs: the linker was asked for a different build-id (--build-id style or seed)"
		}
		e.Hints = append(e.Hints, Hint{Cause: CauseBuildID, Evidence: ev})
	}
	return e
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
