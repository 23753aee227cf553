package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDebianArchive(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"deb822 after a third-party list", map[string]string{
			"sources.list":                  "deb https://packages.example.com/apt stable main\n",
			"sources.list.d/a.sources":      "Types: deb\nURIs: https://repo.example.net/node_20.x\nSuites: nodistro\n",
			"sources.list.d/debian.sources": "Types: deb deb-src\nURIs: http://mirror.example.org/debian/\nSuites: bookworm\n",
		}, "http://mirror.example.org/debian"},
		{"one-line with options", map[string]string{
			"sources.list": "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example.org/debian bookworm main\n",
		}, "http://mirror.example.org/debian"},
		{"none", map[string]string{"sources.list": "deb http://mirror.example.org/ubuntu noble main\n"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for name, body := range tc.files {
				p := filepath.Join(root, "etc/apt", name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := DebianArchive(root)
			if (err != nil) != (tc.want == "") || got != tc.want {
				t.Errorf("DebianArchive = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestRunMeasures(t *testing.T) {
	m, err := Shell(t.Context(), "", "head -c 50000000 /dev/zero | tail -c 3 | wc -c")
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Stdout) != "3\n" {
		t.Errorf("stdout %q", m.Stdout)
	}
	if m.Wall <= 0 || m.CPU <= 0 || m.Wall > time.Minute {
		t.Errorf("wall %v cpu %v", m.Wall, m.CPU)
	}
	// tail holds the whole stream's last bytes only; the peak RSS is a
	// child's, a few MB, not zero
	if m.RSS < 1<<20 || m.RSS > 1<<30 {
		t.Errorf("peak RSS %d", m.RSS)
	}
	if _, err := Shell(t.Context(), "", "echo oops >&2; exit 3"); err == nil || !strings.Contains(err.Error(), "oops") {
		t.Errorf("failing command: %v, want an error with its stderr", err)
	}
}
