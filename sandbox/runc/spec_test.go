//go:build linux

package runc

import (
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/xlapp/xbuild/sandbox"
)

func TestOCISpec(t *testing.T) {
	umask := uint32(0o077)
	tests := []struct {
		name    string
		spec    sandbox.Spec
		check   func(t *testing.T, s *specs.Spec)
		wantErr string
	}{
		{
			name: "defaults",
			spec: sandbox.Spec{Rootfs: "/r", Args: []string{"make"}},
			check: func(t *testing.T, s *specs.Spec) {
				if s.Hostname != "xbuild" || *s.Process.User.Umask != 0o022 || s.Process.Cwd != "/" {
					t.Errorf("hostname %q umask %o cwd %q", s.Hostname, *s.Process.User.Umask, s.Process.Cwd)
				}
				if !s.Process.NoNewPrivileges {
					t.Error("no_new_privileges not set")
				}
				if !slices.Contains(s.Process.Capabilities.Effective, "CAP_CHOWN") || slices.Contains(s.Process.Capabilities.Bounding, "CAP_SYS_ADMIN") {
					t.Errorf("root capabilities = %v", s.Process.Capabilities.Bounding)
				}
				if len(s.Process.Env) != 0 {
					t.Errorf("env = %v, want none added", s.Process.Env)
				}
				var ns []string
				for _, n := range s.Linux.Namespaces {
					ns = append(ns, string(n.Type))
				}
				slices.Sort(ns)
				if got := strings.Join(ns, ","); got != "cgroup,ipc,mount,network,pid,uts" {
					t.Errorf("namespaces = %s", got)
				}
				if got := mountDests(s); got != "/proc /dev /dev/pts /dev/shm /sys /tmp" {
					t.Errorf("mounts = %s", got)
				}
				if r := s.Linux.Resources; r.Memory != nil || r.Pids != nil || r.CPU != nil {
					t.Errorf("limits set without being asked: %+v", r)
				}
				if rl := s.Process.Rlimits; len(rl) != 1 || rl[0].Type != "RLIMIT_NOFILE" || rl[0].Soft != 1024 || rl[0].Hard != 1048576 {
					t.Errorf("rlimits = %+v", rl)
				}
			},
		},
		{
			name: "given",
			spec: sandbox.Spec{Rootfs: "/r/", Args: []string{"make"}, Env: []string{"A=1"}, Cwd: "/build/x/..", UID: 1000, GID: 1000,
				Umask: &umask, Hostname: "h", MemoryBytes: 1 << 30, PidsLimit: 100, Cpuset: "0-1", ReadonlyRootfs: true,
				Mounts: []sandbox.Mount{{Source: "/s", Destination: "/sources/", ReadOnly: true}, {Destination: "/tmp", Type: "tmpfs", Options: []string{"size=1g"}}}},
			check: func(t *testing.T, s *specs.Spec) {
				if s.Root.Path != "/r" || !s.Root.Readonly || s.Process.Cwd != "/build" || s.Hostname != "h" || *s.Process.User.Umask != 0o077 {
					t.Errorf("root %+v cwd %q hostname %q", s.Root, s.Process.Cwd, s.Hostname)
				}
				if c := s.Process.Capabilities; len(c.Bounding)+len(c.Effective)+len(c.Permitted)+len(c.Inheritable)+len(c.Ambient) != 0 {
					t.Errorf("non-root capabilities = %+v", c)
				}
				if got := mountDests(s); got != "/proc /dev /dev/pts /dev/shm /sys /sources /tmp" {
					t.Errorf("mounts = %s", got)
				}
				if m := s.Mounts[5]; m.Type != "bind" || m.Source != "/s" || !slices.Contains(m.Options, "ro") {
					t.Errorf("bind mount = %+v", m)
				}
				if m := s.Mounts[6]; m.Type != "tmpfs" || !slices.Contains(m.Options, "size=1g") || !slices.Contains(m.Options, "rw") {
					t.Errorf("tmpfs mount = %+v", m)
				}
				r := s.Linux.Resources
				if *r.Memory.Limit != 1<<30 || *r.Pids.Limit != 100 || r.CPU.Cpus != "0-1" {
					t.Errorf("limits = %+v %+v %+v", r.Memory, r.Pids, r.CPU)
				}
			},
		},
		{name: "relative rootfs", spec: sandbox.Spec{Rootfs: "r", Args: []string{"x"}}, wantErr: "not an absolute path"},
		{name: "no args", spec: sandbox.Spec{Rootfs: "/r"}, wantErr: "no command"},
		{name: "relative cwd", spec: sandbox.Spec{Rootfs: "/r", Args: []string{"x"}, Cwd: "build"}, wantErr: "cwd"},
		{name: "relative destination", spec: sandbox.Spec{Rootfs: "/r", Args: []string{"x"}, Mounts: []sandbox.Mount{{Source: "/s", Destination: "s"}}}, wantErr: "destination"},
		{name: "mount over /", spec: sandbox.Spec{Rootfs: "/r", Args: []string{"x"}, Mounts: []sandbox.Mount{{Source: "/s", Destination: "/"}}}, wantErr: "over the rootfs"},
		{name: "relative source", spec: sandbox.Spec{Rootfs: "/r", Args: []string{"x"}, Mounts: []sandbox.Mount{{Source: "s", Destination: "/s"}}}, wantErr: "source"},
		{name: "unknown type", spec: sandbox.Spec{Rootfs: "/r", Args: []string{"x"}, Mounts: []sandbox.Mount{{Type: "nfs", Destination: "/s"}}}, wantErr: "unsupported type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ociSpec(tt.spec, "/xbuild/id")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Linux.CgroupsPath != "/xbuild/id" {
				t.Errorf("cgroups path = %q", s.Linux.CgroupsPath)
			}
			tt.check(t, s)
		})
	}
}

func mountDests(s *specs.Spec) string {
	var d []string
	for _, m := range s.Mounts {
		d = append(d, m.Destination)
	}
	return strings.Join(d, " ")
}

func TestWithin(t *testing.T) {
	tests := []struct {
		dir, p string
		want   bool
	}{
		{"/", "/a", true},
		{"/", "/", false},
		{"/mnt/lfs", "/mnt/lfs/sources", true},
		{"/mnt/lfs", "/mnt/lfs", false},
		{"/mnt/lfs", "/mnt/lfsx", false},
		{"/mnt/lfs/", "/mnt/lfs/a/b", true},
	}
	for _, tt := range tests {
		if got := within(tt.dir, tt.p); got != tt.want {
			t.Errorf("within(%q, %q) = %v, want %v", tt.dir, tt.p, got, tt.want)
		}
	}
}
