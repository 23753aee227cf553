package sandbox

import (
	"context"
	"fmt"
	"io"
)

// Mount is a bind mount (or a tmpfs when Type is "tmpfs") added to the
// container's mount namespace.
type Mount struct {
	Source      string // host path; ignored for tmpfs
	Destination string // absolute path inside the container
	Type        string // "bind" (default) or "tmpfs"
	ReadOnly    bool
	Options     []string // extra mount options, e.g. "size=64m" for tmpfs
}

// Spec describes one process to run in a fresh container.
// The zero values are the hermetic defaults: no network but loopback,
// root user, read-write rootfs.
type Spec struct {
	// ID names the container; it must be unique among running containers.
	// Empty means a random one.
	ID string
	// Rootfs is the host directory that becomes "/".
	Rootfs string
	// ReadonlyRootfs mounts Rootfs read-only (seed mode).
	ReadonlyRootfs bool
	Mounts         []Mount

	Args []string // Args[0] is looked up in the container's PATH
	Env  []string // the complete environment, KEY=VALUE
	Cwd  string   // working directory inside the container, default "/"

	UID, GID       uint32
	AdditionalGIDs []uint32
	Umask          *uint32 // nil: 0022

	Hostname   string // default "xbuild"
	Domainname string

	// Limits; zero means unlimited.
	MemoryBytes int64
	PidsLimit   int64
	Cpuset      string // e.g. "0" or "0-1"; empty: all CPUs

	// Stdin may be nil (then /dev/null). Stdout and Stderr may be nil
	// (then discarded); they are usually the package's log file.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Runner runs a process in a container and waits for it.
//
// Run returns nil when the process exits 0, an *ExitError when it exits
// non-zero or is killed by a signal, and another error when the container
// could not be set up. When ctx is cancelled Run kills every process of the
// container, and returns only after the container's processes, mounts,
// cgroup and state directory are gone, with an error wrapping ctx.Err().
type Runner interface {
	Run(ctx context.Context, spec Spec) error
}

// ExitError reports a process that ran but did not succeed.
type ExitError struct {
	Code   int // exit status, or 128+signal
	Signal string
}

func (e *ExitError) Error() string {
	if e.Signal != "" {
		return fmt.Sprintf("killed by signal %s", e.Signal)
	}
	return fmt.Sprintf("exit status %d", e.Code)
}
