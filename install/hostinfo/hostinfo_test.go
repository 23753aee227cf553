package hostinfo

import (
	"context"
	"os"
	"strings"
	"testing"
)

const mountinfo = `22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:2 / / rw,relatime - ext4 /dev/sda2 rw
28 27 8:1 / /boot rw,relatime - ext4 /dev/sda1 rw
29 27 8:5 / /mnt/my\040disk rw - ext4 /dev/sda5 rw
`

const lsblk = `{"blockdevices": [
 {"name": "/dev/sda", "maj:min": "8:0", "size": 1000, "type": "disk", "fstype": null, "label": null, "uuid": null,
  "children": [
   {"name": "/dev/sda1", "maj:min": "8:1", "size": 100, "type": "part", "fstype": "ext4", "label": "boot", "uuid": "u1", "partuuid": "1b2c3d4e-01"},
   {"name": "/dev/sda2", "maj:min": "8:2", "size": 400, "type": "part", "fstype": "LVM2_member", "label": null, "uuid": "u2",
    "children": [{"name": "/dev/mapper/vg-root", "maj:min": "253:0", "size": 400, "type": "lvm", "fstype": "ext4", "label": null, "uuid": "u3"}]}
  ]}
]}`

func TestParse(t *testing.T) {
	mounts, err := ParseMountinfo(strings.NewReader(mountinfo))
	if err != nil {
		t.Fatal(err)
	}
	devs, err := ParseLsblk([]byte(lsblk))
	if err != nil {
		t.Fatal(err)
	}
	f := &Facts{Mounts: mounts, Devices: devs}
	tests := []struct{ path, point, majmin string }{
		{"/", "/", "8:2"},
		{"/boot", "/boot", "8:1"},
		{"/boot/grub", "/boot", "8:1"},
		{"/bootx", "/", "8:2"},
		{"/mnt/my disk/x", "/mnt/my disk", "8:5"},
	}
	for _, tt := range tests {
		m, ok := f.MountOf(tt.path)
		if !ok || m.Point != tt.point || m.MajMin != tt.majmin {
			t.Errorf("MountOf(%q) = %+v", tt.path, m)
		}
	}
	sda, _ := f.DeviceByPath("/dev/sda")
	if d := f.Descendants(sda); len(d) != 3 || d[2].Type != "lvm" || d[2].Parent != "/dev/sda2" {
		t.Fatalf("Descendants = %+v", d)
	}
	if d, ok := f.Device("8:1"); !ok || d.Label != "boot" || d.UUID != "u1" || d.PartUUID != "1b2c3d4e-01" {
		t.Fatalf("Device(8:1) = %+v", d)
	}
}

// TestReadRunningHost reads the real host; it checks only invariants.
func TestReadRunningHost(t *testing.T) {
	f, err := Read(context.Background())
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	if m, ok := f.MountOf("/"); !ok || m.Point != "/" {
		t.Fatalf("no root mount: %+v", f.Mounts)
	}
}
