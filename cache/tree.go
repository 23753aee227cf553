package cache

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
)

// EntryType is the kind of a tree entry.
type EntryType uint8

// Entry types. The numeric values are part of the tree encoding.
const (
	TypeDir EntryType = iota + 1
	TypeFile
	TypeSymlink
	TypeHardlink
	TypeChar
	TypeBlock
	TypeFifo
	TypeSocket
)

func (t EntryType) String() string {
	switch t {
	case TypeDir:
		return "dir"
	case TypeFile:
		return "file"
	case TypeSymlink:
		return "symlink"
	case TypeHardlink:
		return "hardlink"
	case TypeChar:
		return "char"
	case TypeBlock:
		return "block"
	case TypeFifo:
		return "fifo"
	case TypeSocket:
		return "socket"
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// Region is a data region of a sparse file; everything outside the regions
// of a file is a hole.
type Region struct {
	Offset, Length int64
}

// Entry is one object of a tree. Path is slash-separated and rooted: "/" is
// the tree's root directory itself, "/usr/bin" an entry below it.
//
// A Hardlink entry names, in Hardlink, the first entry (in Path order) with
// the same inode; it carries no other metadata because it has none of its
// own. Mode holds only permission bits and fs.ModeSetuid, fs.ModeSetgid and
// fs.ModeSticky.
type Entry struct {
	Path    string
	Type    EntryType
	Mode    fs.FileMode
	UID     uint32
	GID     uint32
	MtimeNs int64
	// Size is the logical size of a regular file.
	Size int64
	// Digest is the sha256 of a regular file's stored content: the whole
	// file, or for a sparse file its data regions concatenated in order.
	Digest digest.Digest
	// Link is a symlink's target, verbatim.
	Link string
	// Hardlink is the path of the entry this one is a hard link to.
	Hardlink string
	// Rdev is a device node's device number (unix.Mkdev encoding).
	Rdev   uint64
	Xattrs map[string][]byte
	// Sparse lists the data regions of a sparse file; nil when the file is
	// stored dense (no holes).
	Sparse []Region
}

// Tree is a parsed tree manifest. Entries are sorted by Path (byte order),
// so every directory comes before its contents.
type Tree struct {
	Entries []Entry
}

// StoredSize is the number of content bytes stored for a regular file.
func (e *Entry) StoredSize() int64 {
	if e.Sparse == nil {
		return e.Size
	}
	var n int64
	for _, r := range e.Sparse {
		n += r.Length
	}
	return n
}

const treeMagic = "xbuild-tree-v1\n"

// unix permission bits as encoded
const (
	modeSetuid = 0o4000
	modeSetgid = 0o2000
	modeSticky = 0o1000
)

func modeToUnix(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= modeSetuid
	}
	if m&fs.ModeSetgid != 0 {
		u |= modeSetgid
	}
	if m&fs.ModeSticky != 0 {
		u |= modeSticky
	}
	return u
}

func modeFromUnix(u uint32) fs.FileMode {
	m := fs.FileMode(u & 0o777)
	if u&modeSetuid != 0 {
		m |= fs.ModeSetuid
	}
	if u&modeSetgid != 0 {
		m |= fs.ModeSetgid
	}
	if u&modeSticky != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// MarshalBinary returns the canonical encoding described in doc.go.
func (t *Tree) MarshalBinary() ([]byte, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t.encode(make([]byte, 0, 128*len(t.Entries))), nil
}

// encode appends the encoding of a valid tree to b.
func (t *Tree) encode(b []byte) []byte {
	b = append(b, treeMagic...)
	b = binary.AppendUvarint(b, uint64(len(t.Entries)))
	for i := range t.Entries {
		b = appendEntry(b, &t.Entries[i])
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendEntry(b []byte, e *Entry) []byte {
	b = appendString(b, e.Path)
	b = append(b, byte(e.Type))
	b = binary.AppendUvarint(b, uint64(modeToUnix(e.Mode)))
	b = binary.AppendUvarint(b, uint64(e.UID))
	b = binary.AppendUvarint(b, uint64(e.GID))
	b = binary.AppendVarint(b, e.MtimeNs)
	b = binary.AppendUvarint(b, uint64(e.Size))
	b = appendString(b, string(e.Digest))
	b = appendString(b, e.Link)
	b = appendString(b, e.Hardlink)
	b = binary.AppendUvarint(b, e.Rdev)
	names := make([]string, 0, len(e.Xattrs))
	for k := range e.Xattrs {
		names = append(names, k)
	}
	slices.Sort(names)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, k := range names {
		b = appendString(b, k)
		b = appendString(b, string(e.Xattrs[k]))
	}
	if e.Sparse == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.AppendUvarint(b, uint64(len(e.Sparse)))
		for _, r := range e.Sparse {
			b = binary.AppendUvarint(b, uint64(r.Offset))
			b = binary.AppendUvarint(b, uint64(r.Length))
		}
	}
	return b
}

// Digest returns the tree's identity: the sha256 of its canonical encoding.
func (t *Tree) Digest() (digest.Digest, error) {
	b, err := t.MarshalBinary()
	if err != nil {
		return "", err
	}
	return digest.FromBytes(b), nil
}

type decoder struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated")

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte1() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 1 {
		d.err = errShort
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if uint64(len(d.b)) < n {
		d.err = errShort
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// UnmarshalBinary parses and validates a canonical tree encoding. It rejects
// any input that MarshalBinary would not produce byte for byte.
func (t *Tree) UnmarshalBinary(data []byte) error {
	if !bytes.HasPrefix(data, []byte(treeMagic)) {
		return errors.New("decode tree: bad magic")
	}
	d := &decoder{b: data[len(treeMagic):]}
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		return errors.New("decode tree: entry count too large")
	}
	entries := make([]Entry, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		var e Entry
		e.Path = d.str()
		e.Type = EntryType(d.byte1())
		mode := d.uvarint()
		if mode&^0o7777 != 0 {
			return fmt.Errorf("decode tree: entry %q: bad mode %o", e.Path, mode)
		}
		e.Mode = modeFromUnix(uint32(mode))
		e.UID = uint32(d.uvarint())
		e.GID = uint32(d.uvarint())
		e.MtimeNs = d.varint()
		e.Size = int64(d.uvarint())
		if s := d.str(); s != "" {
			e.Digest = digest.Digest(s)
		}
		e.Link = d.str()
		e.Hardlink = d.str()
		e.Rdev = d.uvarint()
		nx := d.uvarint()
		if d.err == nil && nx > uint64(len(d.b)) {
			return errors.New("decode tree: xattr count too large")
		}
		if nx > 0 {
			e.Xattrs = make(map[string][]byte, nx)
			for j := uint64(0); j < nx && d.err == nil; j++ {
				k := d.str()
				e.Xattrs[k] = []byte(d.str())
			}
		}
		if d.byte1() == 1 {
			nr := d.uvarint()
			if d.err == nil && nr > uint64(len(d.b)) {
				return errors.New("decode tree: region count too large")
			}
			e.Sparse = make([]Region, 0, nr)
			for j := uint64(0); j < nr && d.err == nil; j++ {
				off := int64(d.uvarint())
				e.Sparse = append(e.Sparse, Region{Offset: off, Length: int64(d.uvarint())})
			}
		}
		entries = append(entries, e)
	}
	if d.err != nil {
		return fmt.Errorf("decode tree: %w", d.err)
	}
	if len(d.b) != 0 {
		return errors.New("decode tree: trailing data")
	}
	nt := Tree{Entries: entries}
	if err := nt.Validate(); err != nil {
		return err
	}
	// canonical check: re-encoding must give the same bytes
	if again := nt.encode(make([]byte, 0, len(data))); !bytes.Equal(again, data) {
		return errors.New("decode tree: not in canonical form")
	}
	*t = nt
	return nil
}

// Validate checks the structural rules a tree must follow: rooted clean
// paths, sorted and unique, the root first and a directory, every parent a
// directory in the tree, fields present only where their type uses them,
// hard links pointing at an earlier non-hardlink, non-directory entry.
func (t *Tree) Validate() error {
	if len(t.Entries) == 0 || t.Entries[0].Path != "/" || t.Entries[0].Type != TypeDir {
		return errors.New("invalid tree: first entry must be the root directory \"/\"")
	}
	idx := make(map[string]int, len(t.Entries))
	for i := range t.Entries {
		e := &t.Entries[i]
		if i > 0 {
			if e.Path <= t.Entries[i-1].Path {
				return fmt.Errorf("invalid tree: entry %q: not sorted or duplicate", e.Path)
			}
			if !cleanRooted(e.Path) {
				return fmt.Errorf("invalid tree: entry %q: path not clean and rooted", e.Path)
			}
			parent := e.Path[:max(strings.LastIndexByte(e.Path, '/'), 1)] // clean: "/a/b" -> "/a", "/a" -> "/"
			pi, ok := idx[parent]
			if !ok || t.Entries[pi].Type != TypeDir {
				return fmt.Errorf("invalid tree: entry %q: parent is not a directory in the tree", e.Path)
			}
		}
		if err := e.validateFields(); err != nil {
			return err
		}
		if e.Type == TypeHardlink {
			ti, ok := idx[e.Hardlink]
			if !ok || t.Entries[ti].Type == TypeHardlink || t.Entries[ti].Type == TypeDir {
				return fmt.Errorf("invalid tree: entry %q: hardlink target %q is not an earlier non-directory entry", e.Path, e.Hardlink)
			}
		}
		idx[e.Path] = i
	}
	return nil
}

func (e *Entry) validateFields() error {
	bad := func(what string) error {
		return fmt.Errorf("invalid tree: entry %q (%s): %s", e.Path, e.Type, what)
	}
	if e.Mode&^(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != 0 {
		return bad("mode has type bits")
	}
	if e.Type < TypeDir || e.Type > TypeSocket {
		return bad("unknown type")
	}
	if e.Type == TypeHardlink {
		if e.Mode != 0 || e.UID != 0 || e.GID != 0 || e.MtimeNs != 0 || e.Size != 0 || e.Digest != "" ||
			e.Link != "" || e.Rdev != 0 || len(e.Xattrs) != 0 || e.Sparse != nil || e.Hardlink == "" {
			return bad("a hardlink carries only its target")
		}
		return nil
	}
	if e.Hardlink != "" {
		return bad("hardlink target on a non-hardlink")
	}
	if (e.Type == TypeSymlink) != (e.Link != "") {
		return bad("symlink target must be set exactly for symlinks")
	}
	if e.Rdev != 0 && e.Type != TypeChar && e.Type != TypeBlock {
		return bad("device number on a non-device")
	}
	if e.Type != TypeFile {
		if e.Size != 0 || e.Digest != "" || e.Sparse != nil {
			return bad("content on a non-file")
		}
		return nil
	}
	if e.Size < 0 {
		return bad("negative size")
	}
	stored := e.StoredSize()
	if (stored == 0) != (e.Digest == "") {
		return bad("digest must be set exactly when there is content")
	}
	if e.Digest != "" {
		if !validSHA256(e.Digest) {
			return bad("digest is not a valid sha256 digest")
		}
	}
	var end int64
	for _, r := range e.Sparse {
		if r.Offset < end || r.Length <= 0 || r.Offset+r.Length > e.Size {
			return bad("sparse regions not ascending, empty, or beyond size")
		}
		end = r.Offset + r.Length
	}
	return nil
}

// validSHA256 checks "sha256:" and 64 lowercase hex digits, without the
// regular expressions of digest.Validate (too slow per entry).
func validSHA256(d digest.Digest) bool {
	hexPart, ok := strings.CutPrefix(string(d), "sha256:")
	if !ok || len(hexPart) != 64 {
		return false
	}
	var bad byte
	for i := 0; i < len(hexPart); i++ {
		bad |= notLowerHex[hexPart[i]]
	}
	return bad == 0
}

// notLowerHex, indexed by a byte, is 1 unless the byte is 0-9 or a-f.
const notLowerHex = "" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x00\x00\x00\x00\x00\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"

// cleanRooted reports whether p is a rooted path other than "/" that
// path.Clean leaves as it is and that holds no NUL: no empty, "." or ".."
// element and no trailing slash. (path.Clean itself, per entry, was a
// quarter of decoding a tree.)
func cleanRooted(p string) bool {
	if len(p) < 2 || p[0] != '/' || p[len(p)-1] == '/' {
		return false
	}
	start := 1
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			if p[i] == 0 {
				return false
			}
			continue
		}
		switch p[start:i] {
		case "", ".", "..":
			return false
		}
		start = i + 1
	}
	return true
}
