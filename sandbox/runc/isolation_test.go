//go:build linux

package runc_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xlapp/xbuild/sandbox"
)

// TestNetwork proves that the container has only a working loopback: TCP
// listeners of the host, on its non-loopback address and on its 127.0.0.1,
// are unreachable, and nothing reaches them.
func TestNetwork(t *testing.T) {
	r, _ := newRunner(t)
	root := busyboxRoot(t, true)

	var accepted atomic.Int32
	listen := func(addr string) string {
		l, err := net.Listen("tcp4", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				accepted.Add(1)
				c.Close()
			}
		}()
		return l.Addr().String()
	}
	targets := []string{listen("127.0.0.1:0")}
	hostIP := nonLoopbackIPv4(t)
	targets = append(targets, listen(net.JoinHostPort(hostIP, "0")))

	var script strings.Builder
	for _, tg := range targets {
		host, port, _ := net.SplitHostPort(tg)
		// The host itself can connect: the listeners work.
		c, err := net.Dial("tcp4", tg)
		if err != nil {
			t.Fatalf("host cannot reach its own listener %s: %v", tg, err)
		}
		c.Close()
		fmt.Fprintf(&script, "if nc -w 2 %s %s </dev/null; then echo reached %s; fi\n", host, port, tg)
	}
	script.WriteString("echo ifaces=$(ls /sys/class/net); ip -o link show lo | grep -q LOOPBACK,UP && echo lo-up\n")
	// Loopback inside works: a listener in the container is reachable.
	script.WriteString("nc -l -p 7777 -e echo pong & sleep 0.3; echo inside=$(nc -w 2 127.0.0.1 7777 </dev/null)\n")
	// Wait for the host's own connections to be counted.
	for i := 0; accepted.Load() < int32(len(targets)) && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	before := accepted.Load()
	out, err := run(t, r, sandbox.Spec{Rootfs: root}, script.String())
	if err != nil {
		t.Fatalf("%v; output:\n%s", err, out)
	}
	if strings.Contains(out, "reached") {
		t.Errorf("the container reached the host:\n%s", out)
	}
	if got := accepted.Load() - before; got != 0 {
		t.Errorf("host listeners accepted %d connections from the container", got)
	}
	for _, want := range []string{"ifaces=lo\n", "lo-up\n", "inside=pong\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func nonLoopbackIPv4(t *testing.T) string {
	t.Helper()
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
				return ipn.IP.String()
			}
		}
	}
	t.Fatal("the host has no non-loopback IPv4 address to test against")
	return ""
}

// TestReadWriteRootfs proves that in a read-write rootfs the command can
// write the rootfs and its rw mount, but not its ro mount, nor anything of
// the host outside them: escape attempts fail and the host tree around the
// rootfs is unchanged.
func TestReadWriteRootfs(t *testing.T) {
	r, _ := newRunner(t)
	root := busyboxRoot(t, true)
	parent := filepath.Dir(root)
	rw := mkdirs(t, parent, "rw")
	ro := mkdirs(t, parent, "ro")
	writeFile(t, filepath.Join(ro, "src.tar"), "source")
	before := treeListing(t, parent)

	script := `set -u
try() { if sh -c "$1" >/dev/null 2>&1; then echo "ESCAPED: $1"; else echo "denied: $1"; fi; }
echo made > /in-rootfs && echo wrote-rootfs
echo made > /mnt/lfs/in-rw && echo wrote-rw
try 'echo x > /sources/evil'
try 'rm /sources/src.tar'
echo x > /../../../escape
try 'mount -t tmpfs none /mnt'
try 'mount --bind / /mnt'
try 'mknod /tmp/vda b 254 0 && head -c1 /tmp/vda'
try 'echo 1 > /proc/sys/kernel/sysrq'
try 'echo x > /sys/kernel/uevent_helper'
ls /proc/1/root/../.. | grep -q in-rootfs && echo proc-root-is-rootfs
`
	out, err := run(t, r, sandbox.Spec{Rootfs: root, Mounts: []sandbox.Mount{
		{Source: rw, Destination: "/mnt/lfs"},
		{Source: ro, Destination: "/sources", ReadOnly: true},
	}}, script)
	if err != nil {
		t.Fatalf("%v; output:\n%s", err, out)
	}
	if strings.Contains(out, "ESCAPED") || !strings.Contains(out, "wrote-rootfs") || !strings.Contains(out, "wrote-rw") || !strings.Contains(out, "proc-root-is-rootfs") {
		t.Errorf("output:\n%s", out)
	}
	after := treeListing(t, parent)
	// "/../../../escape" is "/escape": it lands in the rootfs.
	wantNew := map[string]bool{"rootfs/in-rootfs": true, "rw/in-rw": true, "rootfs/escape": true}
	for p := range after {
		if _, ok := before[p]; !ok && !wantNew[p] {
			t.Errorf("new on the host: %s", p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("gone from the host: %s", p)
		}
	}
	if _, err := os.Stat("/escape"); err == nil {
		t.Errorf("/escape exists on the host")
	}
}

// TestReadonlyRootfs proves that a read-only rootfs and a read-only mount
// cannot be written while a read-write mount can: the seed mode layout.
func TestReadonlyRootfs(t *testing.T) {
	r, _ := newRunner(t)
	root := busyboxRoot(t, true)
	parent := filepath.Dir(root)
	mkdirs(t, root, "mnt/lfs", "sources")
	lfs := mkdirs(t, parent, "lfs")
	src := mkdirs(t, parent, "src")
	before := treeListing(t, root)

	script := `for f in /x /etc/x /bin/x /sources/x /tmp/x /mnt/lfs/x /dev/shm/x; do
  if touch $f 2>/dev/null; then echo "rw $f"; else echo "ro $f"; fi
done
rm -f /bin/busybox 2>/dev/null; [ -e /bin/busybox ] && echo busybox-kept`
	out, err := run(t, r, sandbox.Spec{Rootfs: root, ReadonlyRootfs: true, Mounts: []sandbox.Mount{
		{Source: lfs, Destination: "/mnt/lfs"},
		{Source: src, Destination: "/sources", ReadOnly: true},
	}}, script)
	if err != nil {
		t.Fatalf("%v; output:\n%s", err, out)
	}
	want := "ro /x\nro /etc/x\nro /bin/x\nro /sources/x\nrw /tmp/x\nrw /mnt/lfs/x\nrw /dev/shm/x\nbusybox-kept\n"
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	if after := treeListing(t, root); len(after) != len(before) {
		t.Errorf("the read-only rootfs changed: %d entries before, %d after", len(before), len(after))
	}
	if _, err := os.Stat(filepath.Join(lfs, "x")); err != nil {
		t.Errorf("write to the rw mount did not reach the host: %v", err)
	}
}

// TestMountpoints proves that missing mountpoints and working directory are
// created in a read-write rootfs and removed after the run, leaving the tree
// as it was, and that in a read-only rootfs they are an error naming them.
func TestMountpoints(t *testing.T) {
	r, state := newRunner(t)
	root := busyboxRoot(t, false) // no /proc, /sys, /dev, /tmp
	parent := filepath.Dir(root)
	srcDir := mkdirs(t, parent, "src")
	srcFile := filepath.Join(parent, "passwd")
	writeFile(t, srcFile, "root:x:0:0::/:/bin/sh\n")
	lfs := mkdirs(t, parent, "lfs")
	beforeRoot, beforeLFS := treeListing(t, root), treeListing(t, lfs)

	mounts := []sandbox.Mount{
		{Source: lfs, Destination: "/mnt/lfs"},
		{Source: srcDir, Destination: "/mnt/lfs/sources", ReadOnly: true}, // nested: created in lfs
		{Source: srcFile, Destination: "/etc/passwd", ReadOnly: true},     // a file mountpoint
		{Destination: "/build", Type: "tmpfs"},
		{Source: srcDir, Destination: "/build/src/a"}, // under a tmpfs: not on the host
	}
	out, err := run(t, r, sandbox.Spec{Rootfs: root, Mounts: mounts, Cwd: "/work/dir"},
		"pwd; id -un; ls -d /proc/self /sys/kernel /dev/null /tmp /mnt/lfs/sources /build/src/a")
	if err != nil {
		t.Fatalf("%v; output:\n%s", err, out)
	}
	if !strings.HasPrefix(out, "/work/dir\nroot\n") {
		t.Errorf("output:\n%s", out)
	}
	if after := treeListing(t, root); !sameKeys(beforeRoot, after) {
		t.Errorf("rootfs changed:\nbefore %v\nafter  %v", keys(beforeRoot), keys(after))
	}
	if after := treeListing(t, lfs); !sameKeys(beforeLFS, after) {
		t.Errorf("lfs changed:\nbefore %v\nafter  %v", keys(beforeLFS), keys(after))
	}
	assertEmptyDir(t, state)

	t.Run("read-only rootfs", func(t *testing.T) {
		err := r.Run(context.Background(), sandbox.Spec{Rootfs: root, ReadonlyRootfs: true, Args: []string{"true"}, Env: testEnv})
		if err == nil || !strings.Contains(err.Error(), "/proc") || !strings.Contains(err.Error(), "read-only") {
			t.Fatalf("err = %v, want a missing-mountpoint error naming /proc", err)
		}
		var ee *sandbox.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("err = %v is an ExitError", err)
		}
		if after := treeListing(t, root); !sameKeys(beforeRoot, after) {
			t.Errorf("rootfs changed: %v", keys(after))
		}
		assertEmptyDir(t, state)
	})
	t.Run("written dir is kept", func(t *testing.T) {
		// /a is created for the mount at /a/b; the build writes /a/file, so
		// /a is no longer empty and must stay.
		_, err := run(t, r, sandbox.Spec{Rootfs: root, Mounts: []sandbox.Mount{{Source: srcDir, Destination: "/a/b"}}}, "echo x > /a/file")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(root, "a/file")); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(root, "a/b")); err == nil {
			t.Errorf("the empty mountpoint a/b was kept")
		}
	})
}

// TestPerFileSources proves the layout for declared sources in a read-only
// rootfs: a read-only tmpfs at /sources with each file bound read-only into
// it; the files are readable, nothing else can be created there, and the
// rootfs is untouched.
func TestPerFileSources(t *testing.T) {
	r, _ := newRunner(t)
	root := busyboxRoot(t, true)
	mkdirs(t, root, "sources")
	store := mkdirs(t, t.TempDir(), "store")
	writeFile(t, filepath.Join(store, "aaaa"), "first")
	writeFile(t, filepath.Join(store, "bbbb"), "second")
	before := treeListing(t, root)
	out, err := run(t, r, sandbox.Spec{Rootfs: root, ReadonlyRootfs: true, Mounts: []sandbox.Mount{
		{Destination: "/sources", Type: "tmpfs", ReadOnly: true},
		{Source: filepath.Join(store, "aaaa"), Destination: "/sources/a-1.0.tar.xz", ReadOnly: true},
		{Source: filepath.Join(store, "bbbb"), Destination: "/sources/b-2.0.tar.xz", ReadOnly: true},
	}}, `ls /sources; cat /sources/a-1.0.tar.xz /sources/b-2.0.tar.xz; echo
touch /sources/new 2>/dev/null && echo created; echo x 2>/dev/null >/sources/a-1.0.tar.xz && echo overwritten; true`)
	if err != nil {
		t.Fatalf("%v; output:\n%s", err, out)
	}
	if want := "a-1.0.tar.xz\nb-2.0.tar.xz\nfirstsecond\n"; out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	if after := treeListing(t, root); !sameKeys(before, after) {
		t.Errorf("rootfs changed: %v", keys(after))
	}
}
