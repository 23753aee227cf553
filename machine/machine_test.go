package machine

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xlapp/xbuild/internal/sha512crypt"
)

const (
	edKey  = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID1spwNM9umEIxZ+I4E5gDZvTy7omNJhxFDQFkfSpGwP test@xbuild"
	rsaKey = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCs3lEG2MSHNvyQenS5majH+qlYNaUbrfHPhXDSN18QaWgMd2IRGbJDVs61fdPfoe2vRtgDLTdABN2/3yM2YNnej9dd5XhYr4L0td0YduXLc/zs3a6qJG2rS889JxTmJsYDhv4FffnPmuWiqtt37bIM0ZMPyaooifkLeS3MfOK2Tw== r"
)

func validConfig(t *testing.T) *Config {
	t.Helper()
	h, err := sha512crypt.New([]byte("correct horse"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &Config{
		Hostname: "xlapp1", Domain: "example.org", Interface: "eth0",
		Address: netip.MustParsePrefix("192.0.2.10/24"), Gateway: netip.MustParseAddr("192.0.2.1"),
		DNS: []netip.Addr{netip.MustParseAddr("192.0.2.53")}, RootHash: h, SSHKey: edKey,
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		bad    string // field named in the error, "" for valid
	}{
		{"valid", func(*Config) {}, ""},
		{"rsa key", func(c *Config) { c.SSHKey = rsaKey }, ""},
		{"no domain", func(c *Config) { c.Domain = "" }, ""},
		{"hostname with dot", func(c *Config) { c.Hostname = "a.b" }, "hostname"},
		{"hostname leading hyphen", func(c *Config) { c.Hostname = "-a" }, "hostname"},
		{"hostname too long", func(c *Config) { c.Hostname = strings.Repeat("a", 64) }, "hostname"},
		{"bad domain", func(c *Config) { c.Domain = "exa mple.org" }, "domain"},
		{"bad interface", func(c *Config) { c.Interface = "eth/0" }, "interface"},
		{"ipv6 address", func(c *Config) { c.Address = netip.MustParsePrefix("2001:db8::1/64") }, "address"},
		{"gateway off net", func(c *Config) { c.Gateway = netip.MustParseAddr("198.51.100.1") }, "gateway"},
		{"gateway is self", func(c *Config) { c.Gateway = netip.MustParseAddr("192.0.2.10") }, "gateway"},
		{"no dns", func(c *Config) { c.DNS = nil }, "dns"},
		{"clear password", func(c *Config) { c.RootHash = "secret" }, "root_hash"},
		{"md5 hash", func(c *Config) { c.RootHash = "$1$abc$def" }, "root_hash"},
		{"key garbage", func(c *Config) { c.SSHKey = "ssh-ed25519 !!!" }, "ssh_key"},
		{"key type mismatch", func(c *Config) { c.SSHKey = strings.Replace(edKey, "ssh-ed25519", "ssh-rsa", 1) }, "ssh_key"},
		{"key truncated", func(c *Config) { c.SSHKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID1spwNM9umEIxZ+I4E5gDZv" }, "ssh_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig(t)
			tt.mutate(c)
			err := c.Validate()
			if tt.bad == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.bad+":") {
				t.Fatalf("Validate = %v, want an ErrInvalid naming %s", err, tt.bad)
			}
		})
	}
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "machine.config")
	c := validConfig(t)
	if err := Save(p, c); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(p)
	if strings.Contains(string(data), "correct horse") {
		t.Fatal("clear password in machine.config")
	}
	got, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.FQDN() != c.FQDN() || got.Address != c.Address || got.RootHash != c.RootHash || got.SSHKey != c.SSHKey {
		t.Fatalf("round trip: got %+v want %+v", got, c)
	}
	if _, err := Load(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load(missing) = %v", err)
	}
	os.WriteFile(p, []byte("hostname: x\nbogus: 1\n"), 0o600)
	if _, err := Load(p); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Load(unknown key) = %v", err)
	}
}

func TestConfigureInteractive(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "id.pub")
	os.WriteFile(keyFile, []byte(edKey+"\n"), 0o644)
	in := strings.Join([]string{
		"bad_name", "xlapp2", // invalid, then valid
		"-",
		"eth0",
		"192.0.2.300/24", "192.0.2.20/24",
		"10.0.0.1", "192.0.2.1",
		"192.0.2.53, 192.0.2.54",
		"short", "short", // too short
		"longenough1", "different1", // mismatch
		"longenough1", "longenough1",
		keyFile,
	}, "\n") + "\n"
	var out bytes.Buffer
	c, err := Configure(context.Background(), ConfigureOptions{In: strings.NewReader(in), Out: &out})
	if err != nil {
		t.Fatalf("Configure: %v\n%s", err, out.String())
	}
	if c.Hostname != "xlapp2" || c.Domain != "" || c.Address.String() != "192.0.2.20/24" || len(c.DNS) != 2 || c.SSHKey != edKey {
		t.Fatalf("got %+v", c)
	}
	if !sha512crypt.Verify([]byte("longenough1"), c.RootHash) {
		t.Fatal("root hash does not verify")
	}
	for _, want := range []string{"try again", "differ", "at least 8"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "longenough1") {
		t.Fatal("password echoed to output")
	}
}

func TestConfigureNonInteractive(t *testing.T) {
	a := Answers{Hostname: "h", Domain: "example.org", Interface: "eth0", Address: "192.0.2.5/24",
		Gateway: "192.0.2.1", DNS: "192.0.2.1", Password: "password1", SSHKey: rsaKey}
	c, err := Configure(context.Background(), ConfigureOptions{Answers: a})
	if err != nil {
		t.Fatal(err)
	}
	if !sha512crypt.Verify([]byte("password1"), c.RootHash) {
		t.Fatal("hash")
	}
	a.SSHKey = ""
	if _, err := Configure(context.Background(), ConfigureOptions{Answers: a}); !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("missing key: %v", err)
	}
	a.SSHKey, a.Gateway = rsaKey, "nope"
	if _, err := Configure(context.Background(), ConfigureOptions{Answers: a}); err == nil || !strings.Contains(err.Error(), "gateway") {
		t.Fatalf("bad gateway: %v", err)
	}
	// An input that ends half way is an error, not a partial config.
	if _, err := Configure(context.Background(), ConfigureOptions{In: strings.NewReader("host\nexample.org\n")}); !errors.Is(err, ErrNoAnswer) {
		t.Fatalf("truncated input: %v", err)
	}
}

func TestApply(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/shadow"), []byte("root:*:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n"), 0o600)
	os.WriteFile(filepath.Join(root, "etc/fstab"), []byte("# comment\n/dev/sda5 / ext4 defaults 1 1\nproc /proc proc nosuid 0 0\n"), 0o644)
	// A hostile symlink must not lead outside the tree.
	outside := filepath.Join(t.TempDir(), "victim")
	os.Symlink(outside, filepath.Join(root, "etc/resolv.conf"))
	c := validConfig(t)
	const uuid = "0b6c8a0e-1d2f-4a55-9e3a-4a0f7d8e9c11"
	if err := Apply(root, c, uuid, "ext4"); err != nil {
		t.Fatal(err)
	}
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if _, err := os.Stat(outside); err == nil {
		t.Fatal("write followed a symlink out of the tree")
	}
	if got := read("etc/hostname"); got != "xlapp1\n" {
		t.Errorf("hostname %q", got)
	}
	if !strings.Contains(read("etc/hosts"), "192.0.2.10 xlapp1.example.org xlapp1") {
		t.Errorf("hosts %q", read("etc/hosts"))
	}
	if got := read("etc/sysconfig/ifconfig.eth0"); !strings.Contains(got, "IP=192.0.2.10\n") || !strings.Contains(got, "BROADCAST=192.0.2.255\n") || !strings.Contains(got, "PREFIX=24\n") {
		t.Errorf("ifconfig %q", got)
	}
	fstab := read("etc/fstab")
	if !strings.Contains(fstab, "UUID="+uuid+" / ext4 defaults 1 1\n") || strings.Contains(fstab, "/dev/sda5") || !strings.Contains(fstab, "proc /proc") {
		t.Errorf("fstab %q", fstab)
	}
	shadow := read("etc/shadow")
	if !strings.Contains(shadow, "bin:*:") {
		t.Errorf("shadow lost a line: %q", shadow)
	}
	f := strings.Split(strings.SplitN(shadow, "\n", 2)[0], ":")
	if f[0] != "root" || f[1] != c.RootHash || f[2] != "19000" {
		t.Fatalf("shadow root line %q", f)
	}
	VerifyWithGlibc(t, "correct horse", f[1])
	for p, want := range map[string]os.FileMode{"root/.ssh": 0o700 | os.ModeDir, "root/.ssh/authorized_keys": 0o600, "etc/shadow": 0o600} {
		st, err := os.Stat(filepath.Join(root, p))
		if err != nil || st.Mode() != want {
			t.Errorf("%s: mode %v err %v, want %v", p, st.Mode(), err, want)
		}
	}
	if read("root/.ssh/authorized_keys") != edKey+"\n" {
		t.Error("authorized_keys")
	}
}

// VerifyWithGlibc checks hash against glibc's crypt(3) via mkpasswd.
func VerifyWithGlibc(t *testing.T, password, hash string) {
	t.Helper()
	mk, err := exec.LookPath("mkpasswd")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mkpasswd (apt package whois) is needed: %v", err)
		}
		t.Skip("mkpasswd not installed")
	}
	salt := strings.Split(hash, "$")[2]
	out, err := exec.Command(mk, "-m", "sha-512", "-S", salt, password).Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(out)) != hash {
		t.Fatalf("glibc crypt(3) disagrees: %s vs %s", out, hash)
	}
}

func TestLoadAnswers(t *testing.T) {
	c := validConfig(t)
	data, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	// A machine.config is a complete answers file.
	a, err := LoadAnswers(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Configure(context.Background(), ConfigureOptions{Answers: a})
	if err != nil {
		t.Fatal(err)
	}
	if got.FQDN() != c.FQDN() || got.RootHash != c.RootHash || got.Address != c.Address {
		t.Fatalf("got %+v", got)
	}
	if _, err := LoadAnswers(strings.NewReader("password: secret\n")); err == nil {
		t.Fatal("a clear password in an answers file was accepted")
	}
}
