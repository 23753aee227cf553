//go:build linux

package runc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// hostPaths are files and directories created on the host so that the
// container finds its mountpoints and working directory; they are listed
// parents first and removed in reverse order after the run.
type hostPaths []string

// needPath is a path the container needs to exist: a mountpoint, or the
// working directory.
type needPath struct {
	dest string // inside the container
	dir  bool   // false: a file (the mountpoint of a bound file)
}

// prepareHostPaths creates, on the host, every missing path of needs, each
// resolved through the rootfs and the bind mounts that precede it. It creates
// only in writable places: a path missing in a read-only rootfs or under a
// read-only bind mount is an error. Paths under a tmpfs, proc, ... are left
// to libcontainer: they live in memory.
func prepareHostPaths(rootfs string, readonlyRootfs bool, mounts []specs.Mount, cwd string) (created hostPaths, err error) {
	defer func() {
		if err != nil {
			created.remove()
			created = nil
		}
	}()
	var needs []needPath
	for _, m := range mounts {
		dir := true
		if isBind(m) {
			fi, err := os.Stat(m.Source)
			if err != nil {
				return created, fmt.Errorf("mount %s: %w", m.Destination, err)
			}
			dir = fi.IsDir()
		}
		needs = append(needs, needPath{dest: m.Destination, dir: dir})
	}
	needs = append(needs, needPath{dest: cwd, dir: true})

	for i, n := range needs {
		// The base of a path is the deepest mount mounted before it that
		// contains it, or the rootfs.
		base, baseRO, inMemory := rootfs, readonlyRootfs, false
		baseDest := "/"
		for _, m := range mounts[:min(i, len(mounts))] {
			if !within(m.Destination, n.dest) || len(m.Destination) < len(baseDest) {
				continue
			}
			baseDest = m.Destination
			base, baseRO, inMemory = m.Source, hasOption(m, "ro"), !isBind(m)
		}
		if inMemory {
			continue
		}
		rel := strings.TrimPrefix(n.dest, baseDest)
		made, err := createPath(base, rel, n.dir, baseRO)
		created = append(created, made...)
		if err != nil {
			what := "mountpoint"
			if i == len(mounts) {
				what = "working directory"
			}
			return created, fmt.Errorf("%s %s: %w", what, n.dest, err)
		}
	}
	return created, nil
}

// createPath creates rel under base (directories, and a file as the last
// element when !dir), resolving symlinks within base. It returns what it
// created, parents first.
func createPath(base, rel string, dir, readonly bool) (hostPaths, error) {
	target, err := securejoin.SecureJoin(base, rel)
	if err != nil {
		return nil, fmt.Errorf("resolve in %s: %w", base, err)
	}
	if _, err := os.Lstat(target); err == nil {
		return nil, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if readonly {
		return nil, fmt.Errorf("missing in read-only %s: create it before the run", base)
	}
	var made hostPaths
	p := base
	parts := strings.Split(strings.TrimPrefix(target, base), string(filepath.Separator))
	for i, part := range parts {
		if part == "" {
			continue
		}
		p = filepath.Join(p, part)
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		if i == len(parts)-1 && !dir {
			f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if err != nil {
				return made, fmt.Errorf("create %s: %w", p, err)
			}
			made = append(made, p)
			if err := f.Close(); err != nil {
				return made, fmt.Errorf("create %s: %w", p, err)
			}
			continue
		}
		if err := os.Mkdir(p, 0o755); err != nil {
			return made, fmt.Errorf("create %s: %w", p, err)
		}
		made = append(made, p)
	}
	return made, nil
}

// remove deletes the created paths that are still empty, deepest first. A
// directory the build wrote into is left alone.
func (h hostPaths) remove() {
	for i := len(h) - 1; i >= 0; i-- {
		_ = os.Remove(h[i])
	}
}

// within reports whether the container path p is inside dir (and not dir).
func within(dir, p string) bool {
	dir, p = path.Clean(dir), path.Clean(p)
	if dir == "/" {
		return p != "/"
	}
	return strings.HasPrefix(p, dir+"/")
}

func hasOption(m specs.Mount, opt string) bool {
	for _, o := range m.Options {
		if o == opt {
			return true
		}
	}
	return false
}
