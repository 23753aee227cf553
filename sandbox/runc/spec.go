//go:build linux

package runc

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/xlapp/xbuild/sandbox"
)

const (
	defaultHostname = "xbuild"
	defaultUmask    = 0o022
	nofileSoft      = 1024
	nofileHard      = 1048576
)

// rootCapabilities is the default OCI (docker) capability set, given to a
// process running as uid 0. Other uids get none.
var rootCapabilities = []string{
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
}

// ociSpec translates a sandbox.Spec into the OCI runtime spec that
// libcontainer's specconv turns into a container config. It validates what
// libcontainer would only reject later with a less helpful message.
func ociSpec(s sandbox.Spec, cgroupsPath string) (*specs.Spec, error) {
	if !filepath.IsAbs(s.Rootfs) {
		return nil, fmt.Errorf("rootfs %q: not an absolute path", s.Rootfs)
	}
	if len(s.Args) == 0 {
		return nil, fmt.Errorf("no command to run")
	}
	cwd := s.Cwd
	if cwd == "" {
		cwd = "/"
	}
	if !path.IsAbs(cwd) {
		return nil, fmt.Errorf("cwd %q: not an absolute path", cwd)
	}
	hostname := s.Hostname
	if hostname == "" {
		hostname = defaultHostname
	}
	umask := uint32(defaultUmask)
	if s.Umask != nil {
		umask = *s.Umask
	}
	caps := &specs.LinuxCapabilities{}
	if s.UID == 0 {
		caps = &specs.LinuxCapabilities{
			Bounding:  slices.Clone(rootCapabilities),
			Effective: slices.Clone(rootCapabilities),
			Permitted: slices.Clone(rootCapabilities),
		}
	}
	mounts, err := ociMounts(s.Mounts)
	if err != nil {
		return nil, err
	}

	return &specs.Spec{
		Version: specs.Version,
		Root:    &specs.Root{Path: filepath.Clean(s.Rootfs), Readonly: s.ReadonlyRootfs},
		Process: &specs.Process{
			Args: slices.Clone(s.Args),
			Env:  slices.Clone(s.Env),
			Cwd:  path.Clean(cwd),
			User: specs.User{
				UID:            s.UID,
				GID:            s.GID,
				AdditionalGids: slices.Clone(s.AdditionalGIDs),
				Umask:          &umask,
			},
			Capabilities:    caps,
			NoNewPrivileges: true,
			Rlimits: []specs.POSIXRlimit{
				{Type: "RLIMIT_NOFILE", Soft: nofileSoft, Hard: nofileHard},
			},
		},
		Hostname:   hostname,
		Domainname: s.Domainname,
		Mounts:     mounts,
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.MountNamespace},
				{Type: specs.PIDNamespace},
				{Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace},
				{Type: specs.CgroupNamespace},
				{Type: specs.NetworkNamespace},
			},
			CgroupsPath:       cgroupsPath,
			Resources:         ociResources(s),
			RootfsPropagation: "rprivate",
			MaskedPaths: []string{
				"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
				"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
				"/proc/sched_debug", "/sys/firmware", "/proc/scsi",
			},
			ReadonlyPaths: []string{
				"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
			},
		},
	}, nil
}

func ociResources(s sandbox.Spec) *specs.LinuxResources {
	r := &specs.LinuxResources{
		// Deny every device, then specconv allows the default set
		// (null, zero, full, random, urandom, tty, ptmx, pts).
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
	}
	if s.MemoryBytes > 0 {
		limit := s.MemoryBytes
		r.Memory = &specs.LinuxMemory{Limit: &limit}
	}
	if s.PidsLimit > 0 {
		limit := s.PidsLimit
		r.Pids = &specs.LinuxPids{Limit: &limit}
	}
	if s.Cpuset != "" {
		r.CPU = &specs.LinuxCPU{Cpus: s.Cpuset}
	}
	return r
}

// systemMounts are mounted before the Spec's mounts, in this order.
func systemMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
	}
}

// ociMounts returns the system mounts, the Spec's mounts and, unless the Spec
// mounts something at /tmp, a tmpfs at /tmp.
func ociMounts(ms []sandbox.Mount) ([]specs.Mount, error) {
	out := systemMounts()
	hasTmp := false
	for _, m := range ms {
		if !path.IsAbs(m.Destination) {
			return nil, fmt.Errorf("mount destination %q: not an absolute path", m.Destination)
		}
		dst := path.Clean(m.Destination)
		if dst == "/" {
			return nil, fmt.Errorf("mount destination %q: cannot mount over the rootfs", m.Destination)
		}
		if dst == "/tmp" {
			hasTmp = true
		}
		opts := slices.Clone(m.Options)
		if m.ReadOnly {
			opts = append(opts, "ro")
		} else {
			opts = append(opts, "rw")
		}
		switch m.Type {
		case "", "bind":
			if !filepath.IsAbs(m.Source) {
				return nil, fmt.Errorf("mount %s: source %q: not an absolute path", dst, m.Source)
			}
			// Plain bind, not rbind: a read-only mount must not carry
			// writable submounts of the host into the container.
			out = append(out, specs.Mount{Destination: dst, Type: "bind", Source: filepath.Clean(m.Source), Options: append([]string{"bind", "nodev"}, opts...)})
		case "tmpfs":
			out = append(out, specs.Mount{Destination: dst, Type: "tmpfs", Source: "tmpfs", Options: append([]string{"nosuid", "nodev"}, opts...)})
		default:
			return nil, fmt.Errorf("mount %s: unsupported type %q", dst, m.Type)
		}
	}
	if !hasTmp {
		out = append(out, specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777"}})
	}
	return out, nil
}

// isBind reports whether m is a bind mount, whose mountpoint lives in the
// host's file system (as opposed to a fresh tmpfs, proc, ...).
func isBind(m specs.Mount) bool {
	return m.Type == "bind"
}
