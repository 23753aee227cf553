package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/xlapp/xbuild/internal/apt"
	"github.com/xlapp/xbuild/manifests"
)

// DebootstrapOptions tune Debootstrap; the zero value works.
type DebootstrapOptions struct {
	// Log receives debootstrap's output; nil discards it.
	Log io.Writer
	// WorkDir is where the root filesystem is built before it is
	// snapshotted ("" = os.TempDir()). It must allow device nodes, so not
	// a nodev mount.
	WorkDir string
	// Mirror is the Debian archive to install from; "" reads it from the
	// apt configuration under AptRoot ("" = "/").
	Mirror  string
	AptRoot string
}

// debootstrapDir is where debootstrap keeps its suite scripts.
func debootstrapDir() string {
	if d := os.Getenv("DEBOOTSTRAP_DIR"); d != "" {
		return d
	}
	return "/usr/share/debootstrap"
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*$`)

// lookDebootstrap finds the debootstrap binary. root's PATH has the sbin
// directories; a sudo'ed or minimal one may not.
func lookDebootstrap() (string, error) {
	if p, err := exec.LookPath("debootstrap"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/debootstrap", "/sbin/debootstrap"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// preflight checks what Debootstrap needs, in the order a person would fix
// it, and returns the debootstrap binary.
func preflight(cfg manifests.Seed, euid int, look func() (string, error)) (string, error) {
	bin, err := look()
	if err != nil {
		return "", errors.New("debootstrap is not installed: install it with apt-get install debootstrap")
	}
	if euid != 0 {
		return "", errors.New("debootstrap needs root: run xbuild seed debootstrap as root")
	}
	if !nameRE.MatchString(cfg.Suite) {
		return "", fmt.Errorf("unknown suite %q", cfg.Suite)
	}
	if _, err := os.Stat(filepath.Join(debootstrapDir(), "scripts", cfg.Suite)); err != nil {
		return "", fmt.Errorf("unknown suite %q: debootstrap has no script for it in %s/scripts", cfg.Suite, debootstrapDir())
	}
	if cfg.Variant != "" && !nameRE.MatchString(cfg.Variant) {
		return "", fmt.Errorf("bad debootstrap variant %q", cfg.Variant)
	}
	for _, p := range cfg.Include {
		if !nameRE.MatchString(p) {
			return "", fmt.Errorf("bad package name %q in seed include", p)
		}
	}
	return bin, nil
}

// Debootstrap runs
//
//	debootstrap --variant=V --include=a,b,c SUITE TMPDIR MIRROR
//
// in a fresh directory under opts.WorkDir, removes files that only record
// when and where it ran (apt's package lists and caches, logs), snapshots
// the tree with snap, and removes the directory again, also on error or
// cancel, after unmounting whatever debootstrap left mounted in it.
func Debootstrap(ctx context.Context, cfg manifests.Seed, snap Snapshotter, opts DebootstrapOptions) (d digest.Digest, err error) {
	bin, err := preflight(cfg, os.Geteuid(), lookDebootstrap)
	if err != nil {
		return "", err
	}
	mirror := opts.Mirror
	if mirror == "" {
		if mirror, err = apt.ArchiveURL(opts.AptRoot); err != nil {
			return "", fmt.Errorf("debootstrap %s: %w", cfg.Suite, err)
		}
	}
	if opts.WorkDir != "" {
		if err := os.MkdirAll(opts.WorkDir, 0o755); err != nil {
			return "", fmt.Errorf("debootstrap %s: %w", cfg.Suite, err)
		}
	}
	dir, err := os.MkdirTemp(opts.WorkDir, "seed-"+cfg.Suite+"-")
	if err != nil {
		return "", fmt.Errorf("debootstrap %s: %w", cfg.Suite, err)
	}
	defer func() {
		if cerr := removeTree(dir); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()
	// MkdirTemp makes it 0700; it becomes the seed's "/".
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("debootstrap %s: %w", cfg.Suite, err)
	}

	args := []string{}
	if cfg.Variant != "" {
		args = append(args, "--variant="+cfg.Variant)
	}
	if len(cfg.Include) > 0 {
		args = append(args, "--include="+strings.Join(cfg.Include, ","))
	}
	args = append(args, cfg.Suite, dir, mirror)

	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	tail := &tailWriter{}
	out := io.MultiWriter(log, tail)
	fmt.Fprintf(out, "+ %s %s\n", bin, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(),
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LC_ALL=C", "DEBIAN_FRONTEND=noninteractive")
	// debootstrap runs dpkg and friends in the chroot: on cancel, kill the
	// whole process group, not only the shell script.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("debootstrap %s: %w", cfg.Suite, ctx.Err())
		}
		if last := tail.lastError(); last != "" {
			return "", fmt.Errorf("debootstrap %s: %w: %s", cfg.Suite, err, last)
		}
		return "", fmt.Errorf("debootstrap %s: %w", cfg.Suite, err)
	}
	// Nothing may stay mounted in the tree that is snapshotted.
	if err := unmountUnder(dir); err != nil {
		return "", fmt.Errorf("debootstrap %s: %w", cfg.Suite, err)
	}
	if err := removeJunk(dir); err != nil {
		return "", fmt.Errorf("debootstrap %s: %w", cfg.Suite, err)
	}
	d, err = snap.Snapshot(ctx, dir)
	if err != nil {
		return "", fmt.Errorf("snapshot seed %s: %w", cfg.Suite, err)
	}
	return d, nil
}

// removeJunk deletes what records when and where the seed was made and
// that no build reads: apt's downloaded package lists and binary caches,
// and log files. Directories stay, so apt-get update and logging still work.
func removeJunk(root string) error {
	var errs []error
	for _, pattern := range []string{
		"var/cache/apt/*.bin",
		"var/cache/apt/archives/*.deb",
		"var/cache/debconf/*-old",
		"var/lib/dpkg/*-old",
		"var/cache/ldconfig/aux-cache",
	} {
		matches, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			return err
		}
		for _, m := range matches {
			if err := os.Remove(m); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, dir := range []string{"var/log", "var/lib/apt/lists"} {
		errs = append(errs, removeFilesUnder(filepath.Join(root, dir)))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("clean seed: %w", err)
	}
	return nil
}

// removeFilesUnder removes every non-directory under dir, keeping the
// directories themselves.
func removeFilesUnder(dir string) error {
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		return os.Remove(p)
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// tailWriter keeps the last lines written to it, for the error message.
type tailWriter struct {
	buf []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 8192 {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-4096:]...)
	}
	return len(p), nil
}

// lastError returns debootstrap's last "E: ..." line, or else its last line.
func (t *tailWriter) lastError() string {
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "E: ") {
			return strings.TrimSpace(lines[i])
		}
	}
	if len(lines) > 0 {
		return strings.TrimSpace(lines[len(lines)-1])
	}
	return ""
}
