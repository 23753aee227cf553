package machine

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/xlapp/xbuild/internal/sha512crypt"

	"github.com/xlapp/xbuild/internal/oneline"
)

// Config is a validated machine configuration.
type Config struct {
	Hostname  string       // a single DNS label
	Domain    string       // DNS domain, may be empty
	Interface string       // e.g. "eth0"
	Address   netip.Prefix // IPv4 address with prefix length, e.g. 192.0.2.10/24
	Gateway   netip.Addr   // IPv4, inside Address's network
	DNS       []netip.Addr // at least one
	RootHash  string       // "$6$..." crypt hash of the root password
	SSHKey    string       // one authorized_keys line: "type base64 [comment]"
}

// file is the on-disk form of Config (machine.config, YAML).
type file struct {
	Hostname  string   `yaml:"hostname"`
	Domain    string   `yaml:"domain,omitempty"`
	Interface string   `yaml:"interface"`
	Address   string   `yaml:"address"`
	Gateway   string   `yaml:"gateway"`
	DNS       []string `yaml:"dns"`
	RootHash  string   `yaml:"root_hash"`
	SSHKey    string   `yaml:"ssh_key"`
}

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid machine config")

// FQDN is the host name with the domain, if any.
func (c *Config) FQDN() string {
	if c.Domain == "" {
		return c.Hostname
	}
	return c.Hostname + "." + c.Domain
}

// Validate checks every field and reports all problems at once.
func (c *Config) Validate() error {
	var errs []error
	add := func(field string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
	}
	add("hostname", CheckHostname(c.Hostname))
	if c.Domain != "" {
		add("domain", CheckDomain(c.Domain))
	}
	add("interface", CheckInterface(c.Interface))
	add("address", checkAddress(c.Address))
	add("gateway", checkGateway(c.Gateway, c.Address))
	if len(c.DNS) == 0 {
		add("dns", errors.New("at least one server is needed"))
	}
	for _, a := range c.DNS {
		if !a.IsValid() || a.IsUnspecified() {
			add("dns", fmt.Errorf("bad server %v", a))
		}
	}
	if _, err := sha512crypt.Crypt(nil, c.RootHash); err != nil {
		add("root_hash", errors.New("not a $6$ sha512-crypt hash"))
	}
	if _, err := ParseSSHKey(c.SSHKey); err != nil {
		add("ssh_key", err)
	}
	if err := oneline.Join(errs); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// CheckHostname accepts one DNS label (RFC 1123): 1-63 letters, digits
// and inner hyphens.
func CheckHostname(s string) error {
	if s == "" || len(s) > 63 {
		return fmt.Errorf("%q: must be 1 to 63 characters", s)
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' && i > 0 && i < len(s)-1
		if !ok {
			return fmt.Errorf("%q: only letters, digits and inner hyphens", s)
		}
	}
	return nil
}

// CheckDomain accepts a dotted sequence of host name labels.
func CheckDomain(s string) error {
	if len(s) > 253 {
		return fmt.Errorf("%q: longer than 253 characters", s)
	}
	for _, l := range strings.Split(s, ".") {
		if err := CheckHostname(l); err != nil {
			return fmt.Errorf("domain %q: %w", s, err)
		}
	}
	return nil
}

// CheckInterface accepts a Linux network interface name.
func CheckInterface(s string) error {
	if s == "" || len(s) > 15 || strings.ContainsAny(s, "/: \t\n") || s == "." || s == ".." {
		return fmt.Errorf("%q: not an interface name", s)
	}
	return nil
}

func checkAddress(p netip.Prefix) error {
	if !p.IsValid() || !p.Addr().Is4() {
		return errors.New("need an IPv4 address with prefix, e.g. 192.0.2.10/24")
	}
	if p.Bits() < 1 || p.Bits() > 32 || p.Addr().IsUnspecified() || p.Addr().IsMulticast() {
		return fmt.Errorf("%v: not a host address", p)
	}
	return nil
}

func checkGateway(g netip.Addr, addr netip.Prefix) error {
	if !g.IsValid() || !g.Is4() {
		return errors.New("need an IPv4 address")
	}
	if addr.IsValid() && !addr.Masked().Contains(g) {
		return fmt.Errorf("%v is not in %v", g, addr.Masked())
	}
	if g == addr.Addr() {
		return fmt.Errorf("%v is the machine's own address", g)
	}
	return nil
}

// ParseSSHKey checks one public key in authorized_keys form ("type base64
// [comment]") and returns it normalised to a single line. It decodes the
// key blob and checks that it names the same type and is well formed.
func ParseSSHKey(s string) (string, error) {
	fields := strings.Fields(s)
	if len(fields) < 2 {
		return "", errors.New("not an SSH public key: need \"type base64 [comment]\"")
	}
	typ := fields[0]
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return "", fmt.Errorf("ssh key: bad base64: %w", err)
	}
	parts, err := sshStrings(blob)
	if err != nil {
		return "", fmt.Errorf("ssh key: %w", err)
	}
	if len(parts) == 0 || string(parts[0]) != typ {
		return "", fmt.Errorf("ssh key: blob does not match type %q", typ)
	}
	want := map[string]int{
		"ssh-ed25519":                        2,
		"ssh-rsa":                            3,
		"ecdsa-sha2-nistp256":                3,
		"ecdsa-sha2-nistp384":                3,
		"ecdsa-sha2-nistp521":                3,
		"sk-ssh-ed25519@openssh.com":         3,
		"sk-ecdsa-sha2-nistp256@openssh.com": 4,
	}
	n, ok := want[typ]
	if !ok {
		return "", fmt.Errorf("ssh key: unsupported type %q", typ)
	}
	if len(parts) != n {
		return "", fmt.Errorf("ssh key: malformed %s key", typ)
	}
	if strings.HasSuffix(typ, "ed25519") || strings.HasPrefix(typ, "sk-ssh-ed25519") {
		if len(parts[1]) != 32 {
			return "", errors.New("ssh key: ed25519 key is not 32 bytes")
		}
	}
	return strings.Join(fields, " "), nil
}

// sshStrings splits an SSH wire-format blob into its length-prefixed fields.
func sshStrings(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, errors.New("truncated key blob")
		}
		n := binary.BigEndian.Uint32(b)
		if uint64(n) > uint64(len(b)-4) {
			return nil, errors.New("truncated key blob")
		}
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	return out, nil
}

// Marshal encodes c as machine.config.
func Marshal(c *Config) ([]byte, error) {
	f := file{
		Hostname: c.Hostname, Domain: c.Domain, Interface: c.Interface,
		Address: c.Address.String(), Gateway: c.Gateway.String(),
		RootHash: c.RootHash, SSHKey: c.SSHKey,
	}
	for _, a := range c.DNS {
		f.DNS = append(f.DNS, a.String())
	}
	var buf bytes.Buffer
	buf.WriteString("# machine.config written by xbuild configure; keep it private (mode 0600)\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&f); err != nil {
		return nil, fmt.Errorf("encode machine config: %w", err)
	}
	return buf.Bytes(), enc.Close()
}

// Unmarshal decodes and validates machine.config content.
func Unmarshal(data []byte) (*Config, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	c := &Config{Hostname: f.Hostname, Domain: f.Domain, Interface: f.Interface,
		RootHash: f.RootHash, SSHKey: strings.TrimSpace(f.SSHKey)}
	var errs []error
	var err error
	if c.Address, err = netip.ParsePrefix(f.Address); err != nil {
		errs = append(errs, fmt.Errorf("address: %w", err))
	}
	if c.Gateway, err = netip.ParseAddr(f.Gateway); err != nil {
		errs = append(errs, fmt.Errorf("gateway: %w", err))
	}
	for _, s := range f.DNS {
		a, err := netip.ParseAddr(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("dns: %w", err))
		}
		c.DNS = append(c.DNS, a)
	}
	if err := oneline.Join(errs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Load reads and validates a machine.config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read machine config: %w", err)
	}
	c, err := Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return c, nil
}

// Save writes c to path with mode 0600, atomically: a temporary file in the
// same directory, synced, then renamed over path.
func Save(path string, c *Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	data, err := Marshal(c)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data, 0o600)
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
