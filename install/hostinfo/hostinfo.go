package hostinfo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Mount is one line of /proc/self/mountinfo.
type Mount struct {
	MajMin string // "8:1": the device of the file system
	Root   string // the path inside the file system that is mounted
	Point  string // the mount point
	FSType string
	Source string // e.g. "/dev/sda1"
}

// Device is one block device.
type Device struct {
	Path   string // "/dev/sda5"
	MajMin string
	Size   int64  // bytes
	Type   string // lsblk TYPE: disk, part, loop, lvm, raid1, crypt, md, rom...
	FSType string
	Label  string
	UUID   string
	// PartUUID is the partition's id in its partition table ("1b2c3d4e-02"
	// on MBR, a GUID on GPT): what the kernel itself can find a root by.
	PartUUID string
	PTType   string   // partition table type ("dos", "gpt"): a whole disk
	Parent   string   // path of the device it is part of, "" for a disk
	Kids     []string // paths of its partitions or holders
}

// Facts are the host facts the install checks read.
type Facts struct {
	Mounts  []Mount
	Devices []Device
}

// MountOf returns the mount holding path: the one with the longest mount
// point that is a prefix of path. path must be clean and absolute.
func (f *Facts) MountOf(path string) (Mount, bool) {
	var best Mount
	found := false
	for _, m := range f.Mounts {
		if within(path, m.Point) && (!found || len(m.Point) >= len(best.Point)) {
			best, found = m, true
		}
	}
	return best, found
}

// Device returns the device with the given major:minor.
func (f *Facts) Device(majmin string) (Device, bool) {
	for _, d := range f.Devices {
		if d.MajMin == majmin {
			return d, true
		}
	}
	return Device{}, false
}

// DeviceByPath returns the device with the given path.
func (f *Facts) DeviceByPath(path string) (Device, bool) {
	for _, d := range f.Devices {
		if d.Path == path {
			return d, true
		}
	}
	return Device{}, false
}

// MountsOf returns the mounts of the device with majmin.
func (f *Facts) MountsOf(majmin string) []Mount {
	var out []Mount
	for _, m := range f.Mounts {
		if m.MajMin == majmin {
			out = append(out, m)
		}
	}
	return out
}

// Descendants returns the devices built on d: partitions, LVM volumes,
// RAID and crypt holders, recursively.
func (f *Facts) Descendants(d Device) []Device {
	var out []Device
	for _, k := range d.Kids {
		if kd, ok := f.DeviceByPath(k); ok {
			out = append(out, kd)
			out = append(out, f.Descendants(kd)...)
		}
	}
	return out
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	if dir == "/" {
		return strings.HasPrefix(path, "/")
	}
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// Within reports whether path is dir or below it (both clean, absolute).
func Within(path, dir string) bool { return within(path, dir) }

// ParseMountinfo reads /proc/self/mountinfo.
func ParseMountinfo(r io.Reader) ([]Mount, error) {
	var out []Mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := -1
		for i, x := range f {
			if x == "-" {
				sep = i
				break
			}
		}
		if len(f) < 5 || sep < 0 || sep+2 >= len(f) {
			return nil, fmt.Errorf("parse mountinfo line %q", sc.Text())
		}
		out = append(out, Mount{
			MajMin: f[2], Root: unescapeOctal(f[3]), Point: unescapeOctal(f[4]),
			FSType: f[sep+1], Source: unescapeOctal(f[sep+2]),
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	return out, nil
}

func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

type lsblkDev struct {
	Name     string     `json:"name"`
	MajMin   string     `json:"maj:min"`
	Size     int64      `json:"size"`
	Type     string     `json:"type"`
	FSType   *string    `json:"fstype"`
	Label    *string    `json:"label"`
	UUID     *string    `json:"uuid"`
	PartUUID *string    `json:"partuuid"`
	PTType   *string    `json:"pttype"`
	Children []lsblkDev `json:"children"`
}

// ParseLsblk reads the output of
// "lsblk -J -b -p -o NAME,MAJ:MIN,SIZE,TYPE,FSTYPE,LABEL,UUID,PTTYPE".
func ParseLsblk(data []byte) ([]Device, error) {
	var v struct {
		Blockdevices []lsblkDev `json:"blockdevices"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("parse lsblk output: %w", err)
	}
	var out []Device
	var walk func(d lsblkDev, parent string)
	walk = func(d lsblkDev, parent string) {
		dev := Device{Path: d.Name, MajMin: d.MajMin, Size: d.Size, Type: d.Type,
			FSType: deref(d.FSType), Label: deref(d.Label), UUID: deref(d.UUID), PartUUID: deref(d.PartUUID), PTType: deref(d.PTType), Parent: parent}
		for _, c := range d.Children {
			dev.Kids = append(dev.Kids, c.Name)
		}
		out = append(out, dev)
		for _, c := range d.Children {
			walk(c, d.Name)
		}
	}
	for _, d := range v.Blockdevices {
		walk(d, "")
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Read gathers the facts of the running host.
func Read(ctx context.Context) (*Facts, error) {
	mi, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	defer mi.Close()
	mounts, err := ParseMountinfo(mi)
	if err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, "lsblk", "-J", "-b", "-p", "-o", "NAME,MAJ:MIN,SIZE,TYPE,FSTYPE,LABEL,UUID,PARTUUID,PTTYPE").Output()
	if err != nil {
		return nil, fmt.Errorf("list block devices: %w", cmdErr(err))
	}
	devs, err := ParseLsblk(out)
	if err != nil {
		return nil, err
	}
	// Without udev lsblk knows no file systems; ask blkid directly.
	for i, d := range devs {
		if d.FSType == "" || d.Type == "part" && d.PartUUID == "" {
			p, err := Probe(ctx, d.Path)
			if err == nil {
				if d.FSType == "" {
					devs[i].FSType, devs[i].Label, devs[i].UUID, devs[i].PTType = p.FSType, p.Label, p.UUID, p.PTType
				}
				if d.PartUUID == "" {
					devs[i].PartUUID = p.PartUUID
				}
			}
		}
	}
	return &Facts{Mounts: mounts, Devices: devs}, nil
}

// FS is what blkid finds on a device.
type FS struct {
	FSType, Label, UUID string
	PartUUID            string // of a partition: blkid's PART_ENTRY_UUID
	PTType              string // a partition table instead of a file system
}

// Probe reads the file system signature of a device or image file with
// "blkid -p" (low-level probing, no cache, works without udev).
func Probe(ctx context.Context, path string) (FS, error) {
	out, err := exec.CommandContext(ctx, "blkid", "-p", "-o", "export", path).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 2 {
			return FS{}, nil // nothing found
		}
		return FS{}, fmt.Errorf("probe %s: %w", path, cmdErr(err))
	}
	var fs FS
	for _, line := range bytes.Split(out, []byte("\n")) {
		k, v, _ := strings.Cut(string(line), "=")
		switch k {
		case "TYPE":
			fs.FSType = v
		case "LABEL":
			fs.Label = v
		case "UUID":
			fs.UUID = v
		case "PTTYPE":
			fs.PTType = v
		case "PART_ENTRY_UUID":
			fs.PartUUID = v
		}
	}
	return fs, nil
}

// Canonical resolves symlinks such as /dev/disk/by-uuid/... to the device
// node's path; a path that does not exist is returned cleaned.
func Canonical(path string) string {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		return p
	}
	return filepath.Clean(path)
}

func cmdErr(err error) error {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}
