package manifests

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/opencontainers/go-digest"
)

const goodManifest = `name: t
version: "1"
source_date_epoch: 1700000000
seed:
  suite: bookworm
  include: [gcc]
sources:
  - file: a-1.0.tar.gz
    sha256: 31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b
    size: 10
    urls: [https://example.org/a-1.0.tar.gz]
stages:
  - name: one
    root: seed
    user: lfs
    env: {LFS_TGT: x86_64-lfs-linux-gnu}
    packages:
      - name: a
        sources: [a-1.0.tar.gz]
        script: s/a.sh
        jobs: serial
  - name: two
    parent: one
    root: lfs
    packages:
      - name: b
        script: s/b.sh
`

func load(t *testing.T, files map[string]string) (*Manifest, error) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys["m/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	return Load(fsys, "m", "m")
}

func TestLoadGood(t *testing.T) {
	m, err := load(t, map[string]string{"manifest.yaml": goodManifest, "s/a.sh": "echo a\n", "s/b.sh": "echo b\n"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Stages) != 2 || m.Stages[0].Name != "one" || m.Stages[1].Parent != "one" {
		t.Fatalf("stages: %+v", m.Stages)
	}
	one := m.Stage("one")
	if one.User.Name != "lfs" || one.User.UID != 1000 || one.Packages[0].Jobs != JobsSerial {
		t.Fatalf("stage one: %+v", one)
	}
	if string(one.Packages[0].Body) != "echo a\n" || one.Packages[0].Script != "m/s/a.sh" {
		t.Fatalf("script: %q %q", one.Packages[0].Body, one.Packages[0].Script)
	}
	if m.Stage("two").Packages[0].Jobs != JobsParallel {
		t.Fatal("jobs default must be parallel")
	}
	if s := m.Source("a-1.0.tar.gz"); s == nil || s.Size != 10 {
		t.Fatalf("source: %+v", s)
	}
	if got := m.Ancestors("two"); len(got) != 2 || got[0].Name != "one" {
		t.Fatalf("ancestors: %v", got)
	}
}

// Every check error names file and line and says what is wrong.
func TestCheckErrors(t *testing.T) {
	scripts := map[string]string{"s/a.sh": "echo a\n", "s/b.sh": "echo b\n"}
	tests := []struct {
		name    string
		edit    func(string) string
		files   map[string]string
		want    string // substring of the error
		wantPos string // "file:line"
	}{
		{"unknown key", func(s string) string {
			return strings.Replace(s, "    root: seed\n", "    root: seed\n    rot: x\n", 1)
		}, nil, `unknown key "rot"`, "m/manifest.yaml:15"},
		{"unknown top key", func(s string) string { return s + "colour: blue\n" }, nil, `unknown key "colour"`, "m/manifest.yaml:28"},
		{"malformed hash", func(s string) string { return strings.Replace(s, "31e066137a", "XYZ", 1) }, nil, "malformed", "m/manifest.yaml:9"},
		{"unpinned", func(s string) string {
			return strings.Replace(s, "    sha256: 31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b\n", "", 1)
		}, nil, "not pinned", "m/manifest.yaml:8"},
		{"missing script", func(s string) string { return strings.Replace(s, "s/b.sh", "s/c.sh", 1) }, nil, "is missing", "m/manifest.yaml:27"},
		{"unknown parent", func(s string) string { return strings.Replace(s, "parent: one", "parent: zero", 1) }, nil, `unknown parent "zero"`, "m/manifest.yaml:22"},
		{"cycle", func(s string) string {
			return strings.Replace(strings.Replace(s, "  - name: one\n    root: seed", "  - name: one\n    parent: two\n    root: seed", 1), "", "", 1)
		}, nil, "cycle", "m/manifest.yaml"},
		{"undefined source", func(s string) string { return strings.Replace(s, "sources: [a-1.0.tar.gz]", "sources: [b.tar.gz]", 1) }, nil, `source "b.tar.gz" is not defined`, "m/manifest.yaml:18"},
		{"bad root", func(s string) string { return strings.Replace(s, "root: lfs", "root: chroot", 1) }, nil, "want seed or lfs", "m/manifest.yaml:24"},
		{"bad jobs", func(s string) string { return strings.Replace(s, "jobs: serial", "jobs: 4", 1) }, nil, "want parallel", "m/manifest.yaml:21"},
		{"malformed yaml", func(s string) string { return s + "stages: [\n" }, nil, "malformed YAML", "m/manifest.yaml:"},
		{"bad size", func(s string) string { return strings.Replace(s, "size: 10", "size: ten", 1) }, nil, "whole number", "m/manifest.yaml:10"},
		{"zero size", func(s string) string { return strings.Replace(s, "size: 10", "size: 0", 1) }, nil, "size must be", "m/manifest.yaml:10"},
		{"local without size", func(s string) string {
			return strings.Replace(strings.Replace(s, "    size: 10\n", "", 1), "urls: [https://example.org/a-1.0.tar.gz]", "local: s/a.sh", 1)
		}, nil, "local source a-1.0.tar.gz: size (bytes) is required", "m/manifest.yaml:8"},
		{"duplicate package", func(s string) string {
			return strings.Replace(s, "        script: s/b.sh\n", "        script: s/b.sh\n      - name: b\n        script: s/b.sh\n", 1)
		}, nil, "appears twice", "m/manifest.yaml:28"},
		{"no epoch", func(s string) string { return strings.Replace(s, "source_date_epoch: 1700000000\n", "", 1) }, nil, "source_date_epoch is required", "m/manifest.yaml"},
		{"missing include", func(s string) string { return s + "include: [more/*.yaml]\n" }, nil, "matches no file", "m/manifest.yaml:28"},
		{"error in included file", func(s string) string { return s + "include: [more.yaml]\n" },
			map[string]string{"more.yaml": "sources:\n  - file: x.tar\n    sha256: abc\n    size: 1\n    urls: [https://example.org/x.tar]\n"}, "malformed", "m/more.yaml:3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"manifest.yaml": tc.edit(goodManifest)}
			for k, v := range scripts {
				files[k] = v
			}
			for k, v := range tc.files {
				files[k] = v
			}
			_, err := load(t, files)
			if err == nil {
				t.Fatal("no error")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			found := false
			for _, e := range list {
				if strings.Contains(e.Msg, tc.want) {
					found = true
					if !strings.HasPrefix(e.Error(), tc.wantPos) {
						t.Errorf("error %q: want position %s", e.Error(), tc.wantPos)
					}
				}
			}
			if !found {
				t.Fatalf("want an error containing %q, got:\n%v", tc.want, err)
			}
		})
	}
}

// The sha256 is the pin; size may be left out where it is unknown.
func TestSizeOptional(t *testing.T) {
	m, err := load(t, map[string]string{"manifest.yaml": strings.Replace(goodManifest, "    size: 10\n", "", 1), "s/a.sh": "echo a\n", "s/b.sh": "echo b\n"})
	if err != nil {
		t.Fatalf("manifest without size: %v", err)
	}
	if src := m.Sources[0]; src.Size != 0 || src.SizeKnown() {
		t.Fatalf("source %+v: want an unknown size", src)
	}
}

func TestBaseOverridesSources(t *testing.T) {
	fsys := fstest.MapFS{
		"base/manifest.yaml": {Data: []byte(goodManifest)},
		"base/s/a.sh":        {Data: []byte("echo a\n")},
		"base/s/b.sh":        {Data: []byte("echo b\n")},
		"deb/manifest.yaml": {Data: []byte(`base: ../base
sources:
  - file: a-1.0.tar.gz
    sha256: 0000000000000000000000000000000000000000000000000000000000000001
    size: 20
    debian: {package: a, file: a_1.0.orig.tar.gz}
`)},
	}
	m, err := Load(fsys, "deb", "deb")
	if err != nil {
		t.Fatal(err)
	}
	s := m.Source("a-1.0.tar.gz")
	if s.Size != 20 || s.Debian == nil || s.Debian.File != "a_1.0.orig.tar.gz" {
		t.Fatalf("override not applied: %+v", s)
	}
	if m.Stage("one").Packages[0].Script != "base/s/a.sh" {
		t.Fatalf("script path: %s", m.Stage("one").Packages[0].Script)
	}
}

func TestEmbeddedManifestsLoad(t *testing.T) {
	names := Embedded()
	if len(names) == 0 {
		t.Fatal("no embedded manifests")
	}
	for _, n := range names {
		if _, err := Open(n); err != nil {
			t.Errorf("embedded %s: %v", n, err)
		}
	}
}

func TestLocalSourceMustMatchPin(t *testing.T) {
	body := "hello\n"
	m := strings.Replace(goodManifest, "stages:\n", `  - file: hello.txt
    sha256: `+digest.FromString(body).Encoded()+`
    size: 6
    local: files/hello.txt
stages:
`, 1)
	files := map[string]string{"manifest.yaml": m, "s/a.sh": "echo a\n", "s/b.sh": "echo b\n", "files/hello.txt": body}
	if _, err := load(t, files); err != nil {
		t.Fatalf("pinned local file: %v", err)
	}
	files["files/hello.txt"] = "hellO\n"
	_, err := load(t, files)
	if err == nil || !strings.Contains(err.Error(), "local source hello.txt changed") || !strings.Contains(err.Error(), "m/manifest.yaml:12") {
		t.Fatalf("edited local file: %v", err)
	}
}
