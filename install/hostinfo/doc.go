// Package hostinfo gathers the facts about the running host that
// "xbuild install" checks before it writes anything: what is mounted
// where (/proc/self/mountinfo) and which block devices exist, with their
// size, type, file system, label and UUID (lsblk, blkid).
//
// The facts are plain data (Facts), so the install checks are table-tested
// with made-up hosts; Read fills them from the running system.
//
//	facts, err := hostinfo.Read(ctx)
//	m := facts.MountOf("/boot")   // the file system holding /boot
//	d := facts.Device(m.MajMin)   // its block device, if any
package hostinfo
