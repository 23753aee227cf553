package cache

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/containerd/continuity/sysx"
	"golang.org/x/sys/unix"
)

// procPath names the object name inside the directory open as dirfd
// without resolving a long path: the kernel follows the fd's magic link,
// then looks up name without following it (for the l*xattr calls).
func procPath(dirfd int, name string) string {
	if dirfd == unix.AT_FDCWD {
		return name
	}
	p := "/proc/self/fd/" + strconv.Itoa(dirfd)
	if name != "" {
		p += "/" + name
	}
	return p
}

// readNames returns the names in the directory open as fd, sorted by
// the caller.
func readNames(fd int) ([]string, error) {
	buf := make([]byte, 32<<10)
	var names []string
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}

// readXattrs reads every extended attribute of name in dirfd, not
// following a symlink. full is the same object's absolute path: used when
// short enough, as a path lookup is much cheaper than resolving a
// /proc/self/fd link. Filesystems without xattr support give none.
func readXattrs(dirfd int, name, full string) (map[string][]byte, error) {
	p := full
	if len(p) >= longPathLimit {
		p = procPath(dirfd, name)
	}
	names, err := sysx.LListxattr(p)
	if err != nil {
		if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EOPNOTSUPP) {
			return nil, nil
		}
		return nil, fmt.Errorf("list xattrs: %w", err)
	}
	if len(names) == 0 {
		return nil, nil
	}
	m := make(map[string][]byte, len(names))
	for _, k := range names {
		v, err := sysx.LGetxattr(p, k)
		if err != nil {
			if errors.Is(err, unix.ENODATA) {
				continue
			}
			return nil, fmt.Errorf("get xattr %s: %w", k, err)
		}
		m[k] = v
	}
	return m, nil
}

// openDirBeneath opens directory rel (a rooted tree path, "/" for the root
// itself) below the directory open as rootfd as an O_PATH fd, one
// component at a time, never following a symlink: whatever the tree
// holds, the result is a directory inside it. Paths of any length work.
func openDirBeneath(rootfd int, rel string) (int, error) {
	fd, err := unix.Openat(rootfd, ".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: "/", Err: err}
	}
	for _, c := range strings.Split(strings.Trim(rel, "/"), "/") {
		if c == "" {
			continue
		}
		nfd, err := unix.Openat(fd, c, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		unix.Close(fd)
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: rel, Err: err}
		}
		fd = nfd
	}
	return fd, nil
}

// fdFile is an open regular file used through its descriptor alone.
// os.NewFile would ask the kernel whether the descriptor is non-blocking
// (one fcntl per file) and route every call through the runtime poller,
// neither of which a regular file needs; with tens of thousands of files
// that is measurable.
type fdFile struct {
	fd   int
	name string
}

// ReadAt reads len(p) bytes at off, or fails (io.EOF at the end).
func (f fdFile) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		m, err := unix.Pread(f.fd, p[n:], off+int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "read", Path: f.name, Err: err}
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

// Write writes all of p.
func (f fdFile) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := unix.Write(f.fd, p[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "write", Path: f.name, Err: err}
		}
		if m == 0 {
			return n, io.ErrShortWrite
		}
		n += m
	}
	return n, nil
}

func (f fdFile) Seek(off int64, whence int) (int64, error) {
	n, err := unix.Seek(f.fd, off, whence)
	if err != nil {
		return n, &os.PathError{Op: "seek", Path: f.name, Err: err}
	}
	return n, nil
}

func (f fdFile) Truncate(size int64) error {
	if err := unix.Ftruncate(f.fd, size); err != nil {
		return &os.PathError{Op: "truncate", Path: f.name, Err: err}
	}
	return nil
}

// Close closes the descriptor; like os.File, it does not retry on EINTR
// (Linux has released the descriptor by then).
func (f fdFile) Close() error {
	if err := unix.Close(f.fd); err != nil {
		return &os.PathError{Op: "close", Path: f.name, Err: err}
	}
	return nil
}

// readFdXattrs reads every extended attribute of the open file fd: no
// path lookup at all, cheaper than readXattrs for a file opened anyway.
func readFdXattrs(fd int) (map[string][]byte, error) {
	list, err := fdXattrCall(func(b []byte) (int, error) { return unix.Flistxattr(fd, b) })
	if err != nil {
		if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EOPNOTSUPP) {
			return nil, nil
		}
		return nil, fmt.Errorf("list xattrs: %w", err)
	}
	var m map[string][]byte
	for len(list) > 0 {
		k, rest, _ := strings.Cut(string(list), "\x00")
		list = list[len(list)-len(rest):]
		if k == "" {
			continue
		}
		v, err := fdXattrCall(func(b []byte) (int, error) { return unix.Fgetxattr(fd, k, b) })
		if errors.Is(err, unix.ENODATA) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("get xattr %s: %w", k, err)
		}
		if m == nil {
			m = map[string][]byte{}
		}
		m[k] = v
	}
	return m, nil
}

// fdXattrCall runs an f*xattr call that fills a buffer, growing the
// buffer until the value fits (it may grow between the size query and
// the read).
func fdXattrCall(call func([]byte) (int, error)) ([]byte, error) {
	var stack [256]byte
	buf := stack[:]
	for {
		n, err := call(buf)
		if err == unix.ERANGE {
			n, err = call(nil)
			if err != nil {
				return nil, err
			}
			buf = make([]byte, n+64)
			continue
		}
		if err != nil {
			return nil, err
		}
		return slices.Clone(buf[:n]), nil
	}
}

// futimens sets the times of the open file fd (utimensat with a NULL path).
func futimens(fd int, ts *[2]unix.Timespec) error {
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(ts)), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func mtimeSpec(ns int64) *[2]unix.Timespec {
	t := unix.NsecToTimespec(ns)
	return &[2]unix.Timespec{t, t}
}

func fileMode(e *Entry) uint32 { return modeToUnix(e.Mode) }

// longPathLimit is where we stop handing whole paths to the kernel
// (PATH_MAX is 4096 including the NUL).
const longPathLimit = 4000

// resolver turns tree paths below root into (dirfd, name) pairs usable
// with the *at syscalls, also for paths longer than PATH_MAX.
type resolver struct {
	root string
}

// at returns a directory fd and a name relative to it for tree path p.
// The returned release func closes the fd if one was opened. Parent
// directories are the ones this process created, so following them is
// safe.
func (r *resolver) at(p string) (int, string, func(), error) {
	full := r.root + p
	if p == "/" {
		full = r.root
	}
	if len(full) < longPathLimit {
		return unix.AT_FDCWD, full, func() {}, nil
	}
	dir, name := filepath.Split(p)
	fd, err := openDirChain(r.root, strings.TrimSuffix(dir, "/"))
	if err != nil {
		return -1, "", nil, err
	}
	return fd, name, func() { unix.Close(fd) }, nil
}

// openDirChain opens root+rel (rel rooted, "" for root) as an O_PATH
// directory fd, walking in chunks that each stay below PATH_MAX.
func openDirChain(root, rel string) (int, error) {
	fd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: root, Err: err}
	}
	rest := strings.TrimPrefix(rel, "/")
	for rest != "" {
		chunk := rest
		if len(chunk) >= longPathLimit {
			cut := strings.LastIndexByte(chunk[:longPathLimit], '/')
			if cut <= 0 {
				unix.Close(fd)
				return -1, fmt.Errorf("open %s: path component too long", rel)
			}
			chunk = chunk[:cut]
		}
		rest = strings.TrimPrefix(rest[len(chunk):], "/")
		nfd, err := unix.Openat(fd, chunk, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		unix.Close(fd)
		if err != nil {
			return -1, &os.PathError{Op: "openat", Path: chunk, Err: err}
		}
		fd = nfd
	}
	return fd, nil
}
