// Package runc implements sandbox.Runner with runc's libcontainer embedded in
// the calling binary: there is no runc executable. The container's init is
// the calling binary itself, re-executed (from a sealed memfd copy) with the
// argument "init"; Init must therefore be the first call in main and in
// TestMain, before flags are parsed or anything is started.
//
// Every Run gets fresh mount, pid, ipc, uts, cgroup and network namespaces
// (the network namespace holds only "lo"), a minimal /dev, read-only /sys,
// /proc, a tmpfs /tmp unless the Spec mounts one, and its own cgroup under
// the runner's cgroup parent (default "/xbuild") for memory, pids and cpuset
// limits. The process runs with no_new_privileges, the default OCI
// capability set for uid 0 and no capabilities otherwise, and
// RLIMIT_NOFILE 1024:1048576.
//
// Mountpoints and the working directory that are missing are created on the
// host before the container starts, but only in writable places (a
// read-write rootfs, or the source of a read-write bind mount); they are
// removed again after the run if they are still empty. In a read-only rootfs
// a missing mountpoint is an error naming it: the caller must create it.
//
// The environment is passed as given, with one exception inherited from
// libcontainer: when Spec.Env has no (or an empty) HOME, libcontainer adds
// HOME from the container's /etc/passwd, or "/".
//
// The command is the container's pid 1, so only the host can kill it with a
// signal (the OOM killer, or Run on cancel); when it exits the kernel kills
// every other process of the container. A Stdin that is not an *os.File is
// copied by a goroutine that Run waits for: it must reach EOF.
//
// Importing the package locks the main goroutine to the main thread (see
// init), and libcontainer logs a few warnings through logrus's standard
// logger; the program decides where those go.
//
// A run that never ended (xbuild killed by SIGKILL) leaves its container
// running; Runner.Prune, called at start-up, kills and removes those.
//
// Example:
//
//	func main() {
//		runc.Init() // never returns in the container's init process
//		r, err := runc.New("/var/lib/xbuild/run")
//		...
//		err = r.Run(ctx, sandbox.Spec{Rootfs: lfs, Args: []string{"/bin/sh", "-c", "make"}, Env: env})
//	}
//
// Building: the package needs cgo (libcontainer's nsenter runs as a C
// constructor before the Go runtime starts). A static binary builds with
//
//	CGO_ENABLED=1 go build -tags netgo,osusergo -ldflags '-extldflags -static' ./cmd/xbuild
//
// using only libc6-dev (no seccomp: libcontainer's seccomp support is
// compiled out unless the "seccomp" build tag is given).
package runc
