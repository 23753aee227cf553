package manifests

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// embedded holds the manifests built into the binary; each top directory
// with a manifest.yaml is one manifest, selectable by its name.
//
//go:embed demo xlapp xlapp-debian
var embedded embed.FS

// Embedded returns the names of the manifests built into the binary.
func Embedded() []string {
	ents, _ := fs.ReadDir(embedded, ".")
	var names []string
	for _, e := range ents {
		if _, err := fs.Stat(embedded, e.Name()+"/"+EntryFile); err == nil {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// Open loads a manifest by embedded name ("xlapp", "demo") or by directory.
// A value containing a slash or naming an existing directory is a directory.
func Open(nameOrDir string) (*Manifest, error) {
	if !strings.ContainsRune(nameOrDir, '/') {
		if _, err := fs.Stat(embedded, nameOrDir+"/"+EntryFile); err == nil {
			return Load(embedded, nameOrDir, "embedded:"+nameOrDir)
		}
		if fi, err := os.Stat(nameOrDir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("manifest %q: no such embedded manifest (have %s) or directory", nameOrDir, strings.Join(Embedded(), ", "))
		}
	}
	abs, err := filepath.Abs(nameOrDir)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", nameOrDir, err)
	}
	if _, err := os.Stat(filepath.Join(abs, EntryFile)); err != nil {
		return nil, fmt.Errorf("manifest %s: no %s there: point --manifest at a manifest directory", nameOrDir, EntryFile)
	}
	// Rooted at / so that a base: ../other directory can be reached.
	return Load(os.DirFS("/"), strings.TrimPrefix(abs, "/"), nameOrDir)
}
