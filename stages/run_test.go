package stages

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNoSymlinkBelow(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", filepath.Join(root, "a", "last")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rel     string
		wantErr bool
	}{
		{"/build", false},     // missing: fine
		{"/a/b/build", false}, // real directories
		{"/link/build", true}, // a link on the way
		{"/a/last", true},     // the last component a link
		{"/link", true},
	}
	for _, tc := range tests {
		if err := noSymlinkBelow(root, tc.rel); (err != nil) != tc.wantErr {
			t.Errorf("noSymlinkBelow(%s): %v, want error %v", tc.rel, err, tc.wantErr)
		}
	}
}
