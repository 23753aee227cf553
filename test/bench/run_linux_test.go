package bench

import (
	"strings"
	"testing"
	"time"
)

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
