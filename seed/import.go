package seed

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
)

// format is a tarball's compression, told by its first bytes.
type format int

const (
	formatUnknown format = iota
	formatTar
	formatGzip
	formatXz
	formatZstd
	formatBzip2
)

func sniff(head []byte) format {
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return formatGzip
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}):
		return formatXz
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return formatZstd
	case bytes.HasPrefix(head, []byte("BZh")):
		return formatBzip2
	case len(head) >= 262 && string(head[257:262]) == "ustar":
		return formatTar
	}
	return formatUnknown
}

// Import snapshots an existing root filesystem: a directory as it is, or a
// tarball (.tar, .tar.gz, .tar.xz, .tar.zst or .tar.bz2, told by its magic
// bytes, not its name). A tarball is extracted as root into a temporary
// directory under os.TempDir() (set TMPDIR to move it), preserving owners,
// modes, xattrs and device nodes, and removed after the snapshot.
func Import(ctx context.Context, path string, snap Snapshotter) (d digest.Digest, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("import seed: %w", err)
	}
	if fi.IsDir() {
		abs, err := filepath.Abs(path)
		if err != nil {
			return "", fmt.Errorf("import seed %s: %w", path, err)
		}
		d, err := snap.Snapshot(ctx, abs)
		if err != nil {
			return "", fmt.Errorf("snapshot seed %s: %w", path, err)
		}
		return d, nil
	}

	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("import seed: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 4096)
	head, _ := br.Peek(512)
	form := sniff(head)
	if form == formatUnknown {
		return "", fmt.Errorf("import seed %s: not a directory or a tar archive (.tar, .tar.gz, .tar.xz, .tar.zst, .tar.bz2)", path)
	}
	if os.Geteuid() != 0 {
		return "", fmt.Errorf("import seed %s: extracting a root filesystem with its owners and device nodes needs root", path)
	}

	dir, err := os.MkdirTemp("", "xbuild-seed-import-")
	if err != nil {
		return "", fmt.Errorf("import seed %s: %w", path, err)
	}
	defer func() {
		if rerr := removeTree(dir); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("import seed %s: %w", path, err)
	}
	if err := extract(ctx, br, form, dir); err != nil {
		return "", fmt.Errorf("import seed %s: %w", path, err)
	}
	d, err = snap.Snapshot(ctx, dir)
	if err != nil {
		return "", fmt.Errorf("snapshot seed %s: %w", path, err)
	}
	return d, nil
}

// extract unpacks the tar stream r into dir with GNU tar. gzip and zstd are
// decompressed here, so no zstd binary is needed; xz and bzip2 by tar.
func extract(ctx context.Context, r io.Reader, form format, dir string) error {
	args := []string{"--xattrs", "--xattrs-include=*", "--numeric-owner", "-xp", "-f", "-", "-C", dir}
	var in io.Reader = r
	name := "tar"
	switch form {
	case formatGzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("read gzip: %w", err)
		}
		defer zr.Close()
		in, name = zr, "gzip"
	case formatZstd:
		zr, err := zstd.NewReader(r)
		if err != nil {
			return fmt.Errorf("read zstd: %w", err)
		}
		defer zr.Close()
		in, name = zr, "zstd"
	case formatXz:
		args = append([]string{"-J"}, args...)
	case formatBzip2:
		args = append([]string{"-j"}, args...)
	}
	cmd := exec.CommandContext(ctx, "tar", args...)
	var stderr bytes.Buffer
	src := &errReader{r: in}
	cmd.Stdin = src
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if src.err != nil {
			return fmt.Errorf("read %s: %w", name, src.err)
		}
		msg := strings.TrimSpace(stderr.String())
		if first, _, ok := strings.Cut(msg, "\n"); ok {
			msg = first // the rest is usually "Exiting with failure status"
		}
		if msg != "" {
			return fmt.Errorf("tar: %w: %s", err, msg)
		}
		return fmt.Errorf("tar: %w", err)
	}
	return nil
}

// errReader remembers the first read error, so that a broken compressed
// stream is reported as such and not as tar's complaint about it.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}
