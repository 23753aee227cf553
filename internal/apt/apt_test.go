package apt

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestArchiveURL(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string // path under root -> content
		want    string
		wantErr error
	}{
		{
			name: "deb822 skips security",
			files: map[string]string{
				"etc/apt/sources.list.d/debian.sources": `Types: deb
# a comment
URIs: http://archive.example.org/debian/
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://archive.example.org/debian-security
Suites: bookworm-security
Components: main
`,
			},
			want: "http://archive.example.org/debian",
		},
		{
			name: "deb822 security first in file order",
			files: map[string]string{
				"etc/apt/sources.list.d/a.sources": "Types: deb\nURIs: http://security.example.org/debian-security\nSuites: bookworm-security\n",
				"etc/apt/sources.list.d/b.sources": "Types: deb\nURIs: https://archive.example.org/debian\nSuites: bookworm\n",
			},
			want: "https://archive.example.org/debian",
		},
		{
			name: "deb822 deb-src only and disabled stanzas are skipped",
			files: map[string]string{
				"etc/apt/sources.list.d/debian.sources": `Types: deb-src
URIs: http://src.example.org/debian

Types: deb
Enabled: no
URIs: http://off.example.org/debian

types: deb-src deb
uris:
 http://archive.example.org/debian
 http://other.example.org/debian
`,
			},
			want: "http://archive.example.org/debian",
		},
		{
			name: "one-line sources.list with options",
			files: map[string]string{
				"etc/apt/sources.list": `# comment
deb-src http://src.example.org/debian bookworm main
deb [ arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg ] http://security.example.org/debian-security bookworm-security main
deb [arch=amd64] http://archive.example.org/debian bookworm main # trailing
`,
			},
			want: "http://archive.example.org/debian",
		},
		{
			name: "sources.list is read before sources.list.d",
			files: map[string]string{
				"etc/apt/sources.list":                  "deb http://first.example.org/debian bookworm main\n",
				"etc/apt/sources.list.d/debian.sources": "Types: deb\nURIs: http://second.example.org/debian\n",
			},
			want: "http://first.example.org/debian",
		},
		{
			name: "list files in sources.list.d",
			files: map[string]string{
				"etc/apt/sources.list.d/extra.list": "deb file:///srv/debian bookworm main\n",
				"etc/apt/sources.list.d/README":     "deb http://ignored.example.org/debian bookworm main\n",
			},
			want: "file:///srv/debian",
		},
		{
			name: "only security falls back to it",
			files: map[string]string{
				"etc/apt/sources.list": "deb http://security.example.org/debian-security bookworm-security main\n",
			},
			want: "http://security.example.org/debian-security",
		},
		{
			name: "unsupported schemes are skipped",
			files: map[string]string{
				"etc/apt/sources.list": "deb cdrom:[Debian 12]/ bookworm main\ndeb mirror+file:/etc/apt/mirrors.txt bookworm main\n",
			},
			wantErr: ErrNoArchive,
		},
		{
			name:    "no configuration",
			files:   map[string]string{},
			wantErr: ErrNoArchive,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for p, content := range tt.files {
				full := filepath.Join(root, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := ArchiveURL(root)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ArchiveURL() error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ArchiveURL() error = %v", err)
			}
			if got != tt.want {
				t.Errorf("ArchiveURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

// The machine running the tests must have a readable apt configuration:
// xbuild fetch and xbuild seed depend on it.
func TestArchiveURLHost(t *testing.T) {
	if _, err := os.Stat("/etc/apt"); err != nil {
		t.Skip("no /etc/apt on this machine")
	}
	got, err := ArchiveURL("")
	if err != nil {
		t.Fatalf("ArchiveURL(\"\") error = %v", err)
	}
	if got == "" {
		t.Fatal("ArchiveURL(\"\") = empty")
	}
}
