package explain

import (
	"encoding/binary"
	"strings"
	"testing"
)

// sign appends a signature the way scripts/sign-file does: the signature,
// a struct module_signature with its length, and the magic string.
func sign(module []byte, sig string) []byte {
	info := make([]byte, 12)
	info[2] = 2 // PKEY_ID_PKCS7
	binary.BigEndian.PutUint32(info[8:], uint32(len(sig)))
	out := append([]byte(nil), module...)
	out = append(out, sig...)
	out = append(out, info...)
	return append(out, moduleMagic...)
}

func TestKernelModule(t *testing.T) {
	needTool(t, "gcc")
	dir := t.TempDir()
	epoch := []string{"SOURCE_DATE_EPOCH=1735689600"}
	obj := []string{"-c", "-O2", "hello.c", "-o", "out"}
	m1 := cc(t, dir, "m1", epoch, obj...)
	m2 := cc(t, dir, "m2", epoch, append([]string{`-DHOST="xbuild-vary-host"`}, obj...)...)

	e := Content("lib/modules/6.12/kernel/x.ko", sign(m1, "signature-one\x01\x02"), sign(m1, "signature-two\x03\x04"))
	check(t, e, FormatELF, "only the appended module signature differs", nil, []Cause{CauseRandom})
	if !strings.Contains(e.Hints[0].Fix, "no random module-signing key") {
		t.Errorf("fix %q", e.Hints[0].Fix)
	}

	e = Content("lib/modules/6.12/kernel/x.ko", sign(m1, "signature-one"), sign(m2, "signature-two"))
	check(t, e, FormatELF, "the module differs: 1 of", []string{".rodata"}, []Cause{CauseHostname})
	if !strings.HasSuffix(e.Summary, "and so does its signature") {
		t.Errorf("summary %q", e.Summary)
	}
}

func TestPathHints(t *testing.T) {
	tests := []struct {
		path string
		a, b []byte
		want []Cause
	}{
		{"var/cache/ldconfig/aux-cache", []byte("\x00\x01glibc-ld.so.cache1.1\x00\x07"), []byte("\x00\x02glibc-ld.so.cache1.1\x00\x09"), []Cause{CauseCache}},
		{"/etc/machine-id", []byte("0a1b2c3d4e5f60718293a4b5c6d7e8f9\n"), []byte("f9e8d7c6b5a4938271605f4e3d2c1b0a\n"), []Cause{CauseRandom}},
		{"etc/ssh/ssh_host_ed25519_key.pub", []byte("ssh-ed25519 AAAAone root@xbuild\n"), []byte("ssh-ed25519 AAAAtwo root@xbuild-vary-host\n"), []Cause{CauseRandom, CauseHostname}},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			e := Content(tc.path, tc.a, tc.b)
			if got := causes(e); !equalCauses(got, tc.want) {
				t.Errorf("hints %v, want %v", got, tc.want)
			}
		})
	}
}

func equalCauses(a, b []Cause) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
