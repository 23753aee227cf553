package cache

import (
	"testing"

	"github.com/opencontainers/go-digest"
)

// TestValidatePaths: a tree entry's path must be rooted, clean (as
// path.Clean leaves it), not the root again, and hold no NUL.
func TestValidatePaths(t *testing.T) {
	tests := []struct {
		path string
		ok   bool
	}{
		{"/a", true}, {"/a/.b", true}, {"/a/..b", true}, {"/a/...", true}, {"/ä b", true},
		{"a", false}, {"/", false}, {"//a", false}, {"/a/", false}, {"/a//b", false},
		{"/.", false}, {"/..", false}, {"/a/.", false}, {"/a/..", false}, {"/./a", false},
		{"/a/./b", false}, {"/a/../b", false}, {"/a\x00", false},
	}
	for _, tc := range tests {
		tr := &Tree{Entries: []Entry{{Path: "/", Type: TypeDir}, {Path: "/a", Type: TypeDir}}}
		if tc.path != "/a" {
			tr.Entries = append(tr.Entries, Entry{Path: tc.path, Type: TypeFifo})
		}
		err := tr.Validate()
		if tc.ok && err != nil {
			t.Errorf("%q: %v", tc.path, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%q: valid, want an error", tc.path)
		}
		if got := cleanRooted(tc.path); got != tc.ok {
			t.Errorf("cleanRooted(%q) = %v, want %v", tc.path, got, tc.ok)
		}
	}
}

func TestValidSHA256(t *testing.T) {
	hex := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		d  string
		ok bool
	}{
		{"sha256:" + hex, true},
		{"sha256:" + hex[:63] + "A", false},
		{"sha256:" + hex[:63] + "g", false},
		{"sha256:" + hex[:63] + "/", false},
		{"sha256:" + hex[:63] + ":", false},
		{"sha256:" + hex[:63], false},
		{"sha512:" + hex, false},
	}
	for _, tc := range tests {
		if got := validSHA256(digest.Digest(tc.d)); got != tc.ok {
			t.Errorf("validSHA256(%q) = %v, want %v", tc.d, got, tc.ok)
		}
	}
}
