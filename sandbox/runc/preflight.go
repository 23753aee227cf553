//go:build linux

package runc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// namespaces are the kernel namespaces a run uses, with the kernel option
// that provides each. User namespaces are not used by runs but are checked
// because the rootless seed tools need them.
var namespaces = []struct{ file, config string }{
	{"mnt", "CONFIG_NAMESPACES"},
	{"pid", "CONFIG_PID_NS"},
	{"net", "CONFIG_NET_NS"},
	{"ipc", "CONFIG_IPC_NS"},
	{"uts", "CONFIG_UTS_NS"},
	{"cgroup", "CONFIG_CGROUPS"},
	{"user", "CONFIG_USER_NS"},
}

// cgroupControllers are the controllers the runner's limits need.
var cgroupControllers = []string{"memory", "pids", "cpuset"}

// Preflight checks that this process can run containers and returns the
// first problem as a one-line, actionable error.
func Preflight() error {
	if os.Geteuid() != 0 {
		return errors.New("xbuild needs root: run it with sudo")
	}
	for _, ns := range namespaces {
		if _, err := os.Stat(filepath.Join("/proc/self/ns", ns.file)); err != nil {
			return fmt.Errorf("the kernel has no %s namespaces (%s): use a kernel built with it", ns.file, ns.config)
		}
	}
	return checkCgroups("/sys/fs/cgroup")
}

func checkCgroups(root string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return fmt.Errorf("no cgroup file system at %s: mount cgroup2 there (mount -t cgroup2 none %s)", root, root)
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		b, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
		if err != nil {
			return fmt.Errorf("read cgroup v2 controllers: %w", err)
		}
		have := strings.Fields(string(b))
		for _, c := range cgroupControllers {
			if !contains(have, c) {
				return fmt.Errorf("cgroup v2 controller %q is not available at %s: enable it in the kernel or on the kernel command line", c, root)
			}
		}
		return nil
	}
	for _, c := range append(cgroupControllers, "devices") {
		dir := filepath.Join(root, c)
		if err := unix.Statfs(dir, &st); err != nil || st.Type != unix.CGROUP_SUPER_MAGIC {
			return fmt.Errorf("cgroup v1 controller %q is not mounted at %s: mount it (mount -t cgroup -o %s cgroup %s) or boot with cgroup v2", c, dir, c, dir)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
