package cache

import (
	"bytes"
	"slices"
)

// ChangeKind says what differs between two versions of a path.
type ChangeKind uint8

// Change kinds, in the order Diff reports them for one path.
const (
	Added ChangeKind = iota + 1
	Removed
	Type
	Content
	Link
	Mode
	Owner
	Xattr
	Mtime
)

func (k ChangeKind) String() string {
	switch k {
	case Added:
		return "added"
	case Removed:
		return "removed"
	case Type:
		return "type"
	case Content:
		return "content"
	case Link:
		return "link"
	case Mode:
		return "mode"
	case Owner:
		return "owner"
	case Xattr:
		return "xattr"
	case Mtime:
		return "mtime"
	}
	return "unknown"
}

// Change is one difference at Path. A is the entry in the first tree, B in
// the second; one of them is nil for Added and Removed.
type Change struct {
	Path string
	Kind ChangeKind
	A, B *Entry
}

// Diff lists the differences from a to b, sorted by path. A path whose type
// changed gets one Type change; otherwise it gets one change per aspect
// that differs (content covers size, digest, sparse layout and device
// numbers; link covers symlink and hardlink targets).
func Diff(a, b *Tree) []Change {
	var out []Change
	i, j := 0, 0
	for i < len(a.Entries) || j < len(b.Entries) {
		switch {
		case j >= len(b.Entries) || (i < len(a.Entries) && a.Entries[i].Path < b.Entries[j].Path):
			ea := &a.Entries[i]
			out = append(out, Change{Path: ea.Path, Kind: Removed, A: ea})
			i++
		case i >= len(a.Entries) || b.Entries[j].Path < a.Entries[i].Path:
			eb := &b.Entries[j]
			out = append(out, Change{Path: eb.Path, Kind: Added, B: eb})
			j++
		default:
			ea, eb := &a.Entries[i], &b.Entries[j]
			for _, k := range entryDiff(ea, eb) {
				out = append(out, Change{Path: ea.Path, Kind: k, A: ea, B: eb})
			}
			i++
			j++
		}
	}
	return out
}

func entryDiff(a, b *Entry) []ChangeKind {
	if a.Type != b.Type {
		return []ChangeKind{Type}
	}
	var ks []ChangeKind
	if a.Size != b.Size || a.Digest != b.Digest || a.Rdev != b.Rdev || !slices.Equal(a.Sparse, b.Sparse) || (a.Sparse == nil) != (b.Sparse == nil) {
		ks = append(ks, Content)
	}
	if a.Link != b.Link || a.Hardlink != b.Hardlink {
		ks = append(ks, Link)
	}
	if a.Mode != b.Mode {
		ks = append(ks, Mode)
	}
	if a.UID != b.UID || a.GID != b.GID {
		ks = append(ks, Owner)
	}
	if !xattrsEqual(a.Xattrs, b.Xattrs) {
		ks = append(ks, Xattr)
	}
	if a.MtimeNs != b.MtimeNs {
		ks = append(ks, Mtime)
	}
	return ks
}

func xattrsEqual(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}
