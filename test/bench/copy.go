package bench

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// CopyUpTo copies the trees under srcs, one after another in walk order,
// into dst (which must exist and be empty) as dst/<base of src>/..., until
// budget bytes of file content are copied: the issue's own anchor was "a
// copy of parts of /usr", and real files compress as real build trees do,
// which no generator can promise. It keeps modes, owners, mtimes,
// symlinks and hardlinks (within the copy); it skips sockets, devices
// and fifos, and whatever it cannot read. A file that would pass the
// budget ends the copy, so the result is a prefix of the walk.
func CopyUpTo(ctx context.Context, dst string, budget int64, srcs ...string) (Shape, error) {
	var sh Shape
	type devIno struct{ dev, ino uint64 }
	linked := map[devIno]string{}
	var dirTimes []func()
	errFull := fmt.Errorf("budget reached")
	for _, src := range srcs {
		base := filepath.Join(dst, filepath.Base(src))
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsPermission(err) {
					return nil
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			rel, err := filepath.Rel(src, p)
			if err != nil {
				return err
			}
			to := filepath.Join(base, rel)
			fi, err := d.Info()
			if err != nil {
				return nil // gone since the directory was read
			}
			st, ok := fi.Sys().(*syscall.Stat_t)
			if !ok {
				return fmt.Errorf("stat %s: no system stat", p)
			}
			switch {
			case d.IsDir():
				if err := os.Mkdir(to, fi.Mode().Perm()); err != nil {
					return fmt.Errorf("copy %s: %w", p, err)
				}
				sh.Dirs++
				mt := fi.ModTime()
				dirTimes = append(dirTimes, func() { _ = os.Chtimes(to, mt, mt) })
			case d.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(p)
				if err != nil {
					return fmt.Errorf("copy %s: %w", p, err)
				}
				if err := os.Symlink(target, to); err != nil {
					return fmt.Errorf("copy %s: %w", p, err)
				}
				sh.Symlinks++
			case d.Type().IsRegular():
				k := devIno{uint64(st.Dev), st.Ino}
				if first, ok := linked[k]; ok {
					if err := os.Link(first, to); err != nil {
						return fmt.Errorf("copy %s: %w", p, err)
					}
					sh.Hardlinks++
					return nil
				}
				if sh.Bytes+fi.Size() > budget {
					return errFull
				}
				if err := copyFile(p, to, fi); err != nil {
					if os.IsPermission(err) {
						return nil
					}
					return err
				}
				if st.Nlink > 1 {
					linked[k] = to
				}
				sh.Files++
				if fi.Size() < 16<<10 {
					sh.Small++
				}
				sh.Bytes += fi.Size()
			default:
				return nil
			}
			if err := os.Lchown(to, int(st.Uid), int(st.Gid)); err != nil {
				return fmt.Errorf("copy %s: %w", p, err)
			}
			// setuid and setgid bits survive only a chmod after the chown
			if fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid) != 0 && d.Type().IsRegular() {
				if err := os.Chmod(to, fi.Mode()); err != nil {
					return fmt.Errorf("copy %s: %w", p, err)
				}
			}
			if !d.IsDir() {
				ts := []unix.Timespec{unix.NsecToTimespec(fi.ModTime().UnixNano()), unix.NsecToTimespec(fi.ModTime().UnixNano())}
				if err := unix.UtimesNanoAt(unix.AT_FDCWD, to, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
					return fmt.Errorf("copy %s: %w", p, err)
				}
			}
			return nil
		})
		if err == errFull {
			break
		}
		if err != nil {
			return sh, err
		}
	}
	// Directory times last, deepest first: copying into them moved them.
	for i := len(dirTimes) - 1; i >= 0; i-- {
		dirTimes[i]()
	}
	return sh, nil
}

func copyFile(src, dst string, fi fs.FileInfo) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}
