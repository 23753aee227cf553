package machine

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path"
	"strings"
	"time"
)

// Apply writes c into the system tree at root: /etc/hostname, /etc/hosts,
// the LFS boot scripts' /etc/sysconfig/ifconfig.<iface>, /etc/resolv.conf,
// the root hash in /etc/shadow, /root/.ssh/authorized_keys (0700/0600) and
// the root file system line of /etc/fstab (by UUID; other lines are kept).
// Every path is resolved inside root (os.Root), so a symlink in the tree
// cannot redirect a write to the host.
func Apply(root string, c *Config, rootUUID, fsType string) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if rootUUID == "" {
		return errors.New("apply machine config: no root file system UUID")
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return fmt.Errorf("open target %s: %w", root, err)
	}
	defer r.Close()
	for _, d := range []string{"etc", "etc/sysconfig"} {
		if err := r.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	addr := c.Address.Addr()
	hosts := fmt.Sprintf("127.0.0.1 localhost\n%v %s %s\n::1 localhost ip6-localhost ip6-loopback\n", addr, c.FQDN(), c.Hostname)
	if c.Domain == "" {
		hosts = fmt.Sprintf("127.0.0.1 localhost\n%v %s\n::1 localhost ip6-localhost ip6-loopback\n", addr, c.Hostname)
	}
	var resolv strings.Builder
	if c.Domain != "" {
		fmt.Fprintf(&resolv, "domain %s\nsearch %s\n", c.Domain, c.Domain)
	}
	for _, d := range c.DNS {
		fmt.Fprintf(&resolv, "nameserver %v\n", d)
	}
	files := []struct {
		name string
		data string
		mode fs.FileMode
	}{
		{"etc/hostname", c.Hostname + "\n", 0o644},
		{"etc/hosts", hosts, 0o644},
		{"etc/sysconfig/ifconfig." + c.Interface, ifconfig(c), 0o644},
		{"etc/resolv.conf", resolv.String(), 0o644},
	}
	for _, f := range files {
		if err := writeIn(r, f.name, []byte(f.data), f.mode); err != nil {
			return err
		}
	}
	if err := applyShadow(r, c.RootHash); err != nil {
		return err
	}
	if err := applySSH(r, c.SSHKey); err != nil {
		return err
	}
	return applyFstab(r, rootUUID, fsType)
}

// ifconfig is the LFS boot scripts' static IPv4 interface file.
func ifconfig(c *Config) string {
	bcast := broadcast(c.Address)
	return fmt.Sprintf("ONBOOT=yes\nIFACE=%s\nSERVICE=ipv4-static\nIP=%v\nGATEWAY=%v\nPREFIX=%d\nBROADCAST=%v\n",
		c.Interface, c.Address.Addr(), c.Gateway, c.Address.Bits(), bcast)
}

func broadcast(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		a[i/8] |= 1 << (7 - i%8)
	}
	return netip.AddrFrom4(a)
}

func writeIn(r *os.Root, name string, data []byte, mode fs.FileMode) error {
	tmp := name + ".xbuild-new"
	f, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Chmod(mode)
	}
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = r.Rename(tmp, name)
	}
	if werr != nil {
		r.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, werr)
	}
	return nil
}

// applyShadow sets root's hash, keeping every other line and field.
func applyShadow(r *os.Root, hash string) error {
	const name = "etc/shadow"
	old, err := r.ReadFile(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", name, err)
	}
	mode := fs.FileMode(0o600)
	if st, err := r.Stat(name); err == nil {
		mode = st.Mode().Perm()
	}
	var out bytes.Buffer
	found := false
	sc := bufio.NewScanner(bytes.NewReader(old))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Split(line, ":")
		if len(f) >= 2 && f[0] == "root" {
			f[1] = hash
			line = strings.Join(f, ":")
			found = true
		}
		out.WriteString(line + "\n")
	}
	if !found {
		days := time.Now().Unix() / 86400
		fmt.Fprintf(&out, "root:%s:%d:0:99999:7:::\n", hash, days)
	}
	return writeIn(r, name, out.Bytes(), mode)
}

func applySSH(r *os.Root, key string) error {
	if err := r.MkdirAll("root/.ssh", 0o700); err != nil {
		return fmt.Errorf("create /root/.ssh: %w", err)
	}
	for _, d := range []string{"root", "root/.ssh"} {
		mode := fs.FileMode(0o700)
		if err := r.Chmod(d, mode); err != nil {
			return fmt.Errorf("chmod /%s: %w", d, err)
		}
		if err := r.Lchown(d, 0, 0); err != nil && os.Geteuid() == 0 {
			return fmt.Errorf("chown /%s: %w", d, err)
		}
	}
	name := "root/.ssh/authorized_keys"
	if err := writeIn(r, name, []byte(key+"\n"), 0o600); err != nil {
		return err
	}
	if err := r.Lchown(name, 0, 0); err != nil && os.Geteuid() == 0 {
		return fmt.Errorf("chown /%s: %w", name, err)
	}
	return nil
}

// applyFstab replaces the "/" line (or adds one) with the root by UUID.
func applyFstab(r *os.Root, uuid, fsType string) error {
	const name = "etc/fstab"
	if fsType == "" {
		fsType = "ext4"
	}
	old, err := r.ReadFile(name)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", name, err)
	}
	rootLine := fmt.Sprintf("UUID=%s / %s defaults 1 1", uuid, fsType)
	var out bytes.Buffer
	done := false
	sc := bufio.NewScanner(bytes.NewReader(old))
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) >= 2 && !strings.HasPrefix(f[0], "#") && path.Clean(f[1]) == "/" {
			if done {
				continue
			}
			line, done = rootLine, true
		}
		out.WriteString(line + "\n")
	}
	if !done {
		out.WriteString(rootLine + "\n")
	}
	return writeIn(r, name, out.Bytes(), 0o644)
}
