package explain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
)

// ErrNoDiffoscope is returned by Diffoscope when diffoscope is not
// installed.
var ErrNoDiffoscope = errors.New("diffoscope is not installed")

// Diffoscope runs diffoscope, when it is installed, on two files for a
// deeper look than Content gives, and returns its text report. xbuild never
// needs it; it is offered when a user asks for more. diffoscope exits 1
// when the files differ, which is not an error here.
func Diffoscope(ctx context.Context, a, b string) ([]byte, error) {
	bin, err := exec.LookPath("diffoscope")
	if err != nil {
		return nil, ErrNoDiffoscope
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--no-progress", "--text", "-", a, b)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if err == nil || errors.As(err, &ee) && ee.ExitCode() == 1 {
		return out.Bytes(), nil
	}
	return nil, fmt.Errorf("run diffoscope on %s and %s: %w: %s", a, b, err, bytes.TrimSpace(stderr.Bytes()))
}
