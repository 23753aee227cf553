package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/xlapp/xbuild/internal/apt"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"
)

// Measure is what one child process cost.
type Measure struct {
	Wall   time.Duration
	CPU    time.Duration // user + system time of the child and the children it waited for
	RSS    int64         // peak resident set of the child and the children it waited for, bytes
	Stdout []byte
}

// Run runs name with args in dir ("" for the current one), timing it from
// start to exit, and returns its stdout. A failure is an error carrying
// the tail of stderr.
func Run(ctx context.Context, dir, name string, args ...string) (Measure, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	m := Measure{Wall: time.Since(start), Stdout: out.Bytes()}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.RSS = ru.Maxrss << 10 // Linux reports KiB
			m.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	if err != nil {
		tail := errb.String()
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return m, fmt.Errorf("run %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(tail))
	}
	return m, nil
}

// LoadAvg returns the first three fields of /proc/loadavg.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// Shell runs a bash script with pipefail, so that a pipeline's time and
// failure are the whole pipeline's.
func Shell(ctx context.Context, dir, script string) (Measure, error) {
	return Run(ctx, dir, "bash", "-e", "-o", "pipefail", "-c", script)
}

// DirBytes is the sum of the sizes of the regular files under dir, each
// path counted (stores do not hardlink their own files).
func DirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("size of %s: %w", dir, err)
	}
	return n, nil
}

// Warm reads every regular file under dir once with two readers, so that
// every case after it starts from the same warm page cache.
func Warm(ctx context.Context, dir string) error {
	paths := make(chan string, 256)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(paths)
		return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				select {
				case paths <- p:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	})
	for range 2 {
		g.Go(func() error {
			buf := make([]byte, 1<<20)
			for p := range paths {
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				_, err = io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf)
				f.Close()
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("warm %s: %w", dir, err)
	}
	return nil
}

// MountTmpfs mounts a fresh tmpfs at dir (created if needed) and returns
// the function that unmounts it.
func MountTmpfs(dir string) (func() error, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("mount tmpfs at %s: %w", dir, err)
	}
	if err := unix.Mount("xbuild-bench", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=75%,mode=0755"); err != nil {
		return nil, fmt.Errorf("mount tmpfs at %s: %w", dir, err)
	}
	return func() error {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			return fmt.Errorf("unmount %s: %w", dir, err)
		}
		return nil
	}, nil
}

// Debootstrap creates a bookworm minbase rootfs at dir unless dir.done
// says an earlier run did; the tree is built beside dir and renamed into
// place.
func Debootstrap(ctx context.Context, dir string) error {
	if _, err := os.Stat(dir + ".done"); err == nil {
		return nil
	}
	url, err := apt.ArchiveURL("/")
	if err != nil {
		return fmt.Errorf("debootstrap %s: %w", dir, err)
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	os.RemoveAll(dir)
	if _, err := Run(ctx, "", "debootstrap", "--variant=minbase", "bookworm", tmp, url); err != nil {
		return fmt.Errorf("debootstrap %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("debootstrap %s: %w", dir, err)
	}
	if err := os.WriteFile(dir+".done", nil, 0o644); err != nil {
		return fmt.Errorf("debootstrap %s: %w", dir, err)
	}
	return nil
}

// Mounts unmounts, in reverse order, what it mounted.
type Mounts struct{ targets []string }

// Mount mounts and remembers target; target is created if needed.
func (m *Mounts) Mount(src, target, fstype string, flags uintptr, data string) error {
	if err := os.MkdirAll(target, 0o755); err != nil {
		return err
	}
	if err := unix.Mount(src, target, fstype, flags, data); err != nil {
		return fmt.Errorf("mount %s at %s: %w", fstype, target, err)
	}
	m.targets = append(m.targets, target)
	return nil
}

// Unmount unmounts everything Mount mounted, the latest first.
func (m *Mounts) Unmount() error {
	var errs []error
	for i := len(m.targets) - 1; i >= 0; i-- {
		if err := unix.Unmount(m.targets[i], unix.MNT_DETACH); err != nil {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m.targets[i], err))
		}
	}
	m.targets = nil
	return errors.Join(errs...)
}

// Overlay mounts an overlay of the read-only lower at dir/merged, with
// writes going to dir/upper, as containerd's overlay snapshotter runs a
// container: dir/upper is then the diff.
func (m *Mounts) Overlay(lower, dir string) (string, error) {
	upper, wd, root := filepath.Join(dir, "upper"), filepath.Join(dir, "work"), filepath.Join(dir, "merged")
	for _, d := range []string{upper, wd} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", fmt.Errorf("overlay of %s: %w", lower, err)
		}
	}
	if err := m.Mount("overlay", root, "overlay", 0, "lowerdir="+lower+",upperdir="+upper+",workdir="+wd); err != nil {
		return "", fmt.Errorf("overlay of %s: %w", lower, err)
	}
	return root, nil
}

// chrootOf copies the seed to dir/root, a plain directory on the same file
// system as xbuild's store and LFS tree (as a hand-made chroot would be;
// an overlay would put the build's writes through overlayfs, which xbuild's
// sandbox does not), mounts /proc, the host's /dev and a tmpfs /tmp inside,
// and returns the root and the function that undoes it all.
func chrootOf(seed, dir string) (string, func() error, error) {
	root := filepath.Join(dir, "root")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("chroot of %s: %w", seed, err)
	}
	if out, err := exec.Command("cp", "-a", seed, root).CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("copy seed %s: %v: %s", seed, err, bytes.TrimSpace(out))
	}
	var m Mounts
	err := m.Mount("proc", filepath.Join(root, "proc"), "proc", 0, "")
	if err == nil {
		err = m.Mount("/dev", filepath.Join(root, "dev"), "", unix.MS_BIND, "")
	}
	if err == nil {
		err = m.Mount("tmpfs", filepath.Join(root, "tmp"), "tmpfs", 0, "mode=1777")
	}
	undo := func() error { return errors.Join(m.Unmount(), os.RemoveAll(root)) }
	if err != nil {
		return "", nil, errors.Join(fmt.Errorf("chroot of %s: %w", seed, err), undo())
	}
	return root, undo, nil
}

// CPUGroup creates a fresh CPU cgroup (cgroup v1's cpu hierarchy, or v2's
// unified one) named name, and returns its cgroup.procs file and the
// function that removes it. A sandbox's container runs in a cgroup of its
// own, which the CPU scheduler treats as one entity beside every other
// process on the machine; running the plain build it is compared with in
// a group of its own too gives both the same share of a loaded machine.
func CPUGroup(name string) (string, func() error, error) {
	dir := filepath.Join("/sys/fs/cgroup/cpu", name)
	if _, err := os.Stat("/sys/fs/cgroup/cpu"); err != nil {
		dir = filepath.Join("/sys/fs/cgroup", name)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("create cgroup %s: %w", dir, err)
	}
	return filepath.Join(dir, "cgroup.procs"), func() error {
		if err := os.Remove(dir); err != nil {
			return fmt.Errorf("remove cgroup %s: %w", dir, err)
		}
		return nil
	}, nil
}
