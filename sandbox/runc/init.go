//go:build linux

package runc

import (
	"os"
	"runtime"

	// The cgroup manager needs the devices controller code, or applying the
	// device rules of every container fails.
	_ "github.com/opencontainers/cgroups/devices"
	"github.com/opencontainers/runc/libcontainer"
	// nsenter joins/creates namespaces in a C constructor that runs before
	// the Go runtime of the re-executed init process starts.
	_ "github.com/opencontainers/runc/libcontainer/nsenter"
)

// init keeps the main goroutine on the main thread for the life of the
// process. libcontainer runs a goroutine per container start that joins the
// container's mount namespace and locks its thread so that the thread dies
// with it; on the main thread, which Go never terminates, that goroutine
// would instead leave the whole process's /proc/self view (mountinfo, ...)
// and the container's mounts pinned in that namespace. Locking main here,
// before main() starts, means no other goroutine can ever run there.
func init() {
	runtime.LockOSThread()
}

// Init turns the current process into a container's init when libcontainer
// re-executed it as such, and returns immediately otherwise. It must be the
// first call in main (and in TestMain). In the init process it never
// returns: it ends by executing the container's command, or exits 255.
func Init() {
	if isInitProcess() {
		libcontainer.Init()
	}
}

// isInitProcess tells the re-executed init from an ordinary invocation: the
// argument alone is not enough, because "init" could be a subcommand.
func isInitProcess() bool {
	return len(os.Args) > 1 && os.Args[1] == "init" && os.Getenv("_LIBCONTAINER_INITPIPE") != ""
}
