package seed

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// mountsUnder lists the mount points at or below dir, deepest first.
func mountsUnder(dir string) ([]string, error) {
	infos, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	if err != nil {
		return nil, fmt.Errorf("list mounts: %w", err)
	}
	mps := make([]string, 0, len(infos))
	for _, m := range infos {
		mps = append(mps, m.Mountpoint)
	}
	sort.Slice(mps, func(i, j int) bool { return len(mps[i]) > len(mps[j]) })
	return mps, nil
}

// unmountUnder unmounts everything mounted at or below dir (debootstrap
// leaves proc and sys mounted when it is killed), lazily if it is busy, and
// fails if anything is still mounted there afterwards.
func unmountUnder(dir string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("unmount under %s: %w", dir, err)
	}
	mps, err := mountsUnder(real)
	if err != nil || len(mps) == 0 {
		return err
	}
	for _, mp := range mps {
		if err := unix.Unmount(mp, unix.UMOUNT_NOFOLLOW); err != nil && !errors.Is(err, unix.EINVAL) {
			_ = unix.Unmount(mp, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW)
		}
	}
	left, err := mountsUnder(real)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		return fmt.Errorf("unmount under %s: still mounted: %s", dir, strings.Join(left, ", "))
	}
	return nil
}

// removeTree unmounts what is mounted under dir and removes it. It refuses
// to remove anything while a mount is left: RemoveAll would walk into it
// (a host /dev or /proc bound there).
func removeTree(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := unmountUnder(dir); err != nil {
		return fmt.Errorf("not removing %s: %w", dir, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove %s: %w", dir, err)
	}
	return nil
}
