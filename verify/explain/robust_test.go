package explain

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzContent checks that no input makes Content panic or return an empty
// summary, however malformed the container.
func FuzzContent(f *testing.F) {
	for _, seed := range [][]byte{
		[]byte("plain text\n"),
		[]byte("!<arch>\nx.o/            0           0     0     644     4         `\nabcd"),
		[]byte("!<arch>\n/0              0           0     0     644     99999     `\n"),
		{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3},
		append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 60)...),
		{0xfd, '7', 'z', 'X', 'Z', 0, 0, 1},
		{0x28, 0xb5, 0x2f, 0xfd, 0x20},
	} {
		f.Add(seed, append(bytes.Clone(seed), 'x'))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		for _, name := range []string{"f", "f.pyc"} {
			e := Content(name, a, b)
			if e.Summary == "" {
				t.Errorf("empty summary for %q vs %q", a, b)
			}
		}
	})
}

func TestBigDifferentTextIsQuick(t *testing.T) {
	var a, b strings.Builder
	for i := range 200_000 {
		a.WriteString(strings.Repeat("a", i%13) + "\n")
		b.WriteString(strings.Repeat("b", i%11) + "\n")
	}
	start := time.Now()
	e := Content("big.txt", []byte(a.String()), []byte(b.String()))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if !strings.Contains(e.Summary, "199999 lines removed, 199999 added") {
		t.Errorf("summary %q", e.Summary)
	}
}

func TestDiffoscope(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a"), "one\n", time.Time{})
	write(t, filepath.Join(dir, "b"), "two\n", time.Time{})
	out, err := Diffoscope(context.Background(), filepath.Join(dir, "a"), filepath.Join(dir, "b"))
	if _, lookErr := exec.LookPath("diffoscope"); lookErr != nil {
		if !errors.Is(err, ErrNoDiffoscope) {
			t.Errorf("without diffoscope: %v, want ErrNoDiffoscope", err)
		}
		return
	}
	if err != nil || !bytes.Contains(out, []byte("two")) {
		t.Errorf("diffoscope: %v\n%s", err, out)
	}
}

func TestStreamsShortRead(t *testing.T) {
	_, err := Streams("f", strings.NewReader("abc"), 10, strings.NewReader("abd"), 3)
	if err == nil || !strings.Contains(err.Error(), "read f (a)") {
		t.Errorf("short input: %v", err)
	}
	e, err := Streams("f", strings.NewReader("abc\n"), 4, strings.NewReader("abd\n"), 4)
	if err != nil || e.Format != FormatText {
		t.Errorf("%+v, %v", e, err)
	}
}
