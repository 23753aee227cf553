package sha512crypt

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The test vectors published with Drepper's specification
// ("Unix crypt using SHA-256 and SHA-512"), which glibc's tests also use.
func TestSpecVectors(t *testing.T) {
	tests := []struct{ setting, key, want string }{
		{"$6$saltstring", "Hello world!",
			"$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
		{"$6$rounds=10000$saltstringsaltstring", "Hello world!",
			"$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."},
		{"$6$rounds=5000$toolongsaltstring", "This is just a test",
			"$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"},
		{"$6$rounds=1400$anotherlongsaltstring", "a very much longer text to encrypt.  This one even stretches over morethan one line.",
			"$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1"},
		{"$6$rounds=77777$short", "we have a short salt string but not a short password",
			"$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0"},
		{"$6$rounds=123456$asaltof16chars..", "a short string",
			"$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1"},
		{"$6$rounds=10$roundstoolow", "the minimum number is still observed",
			"$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."},
	}
	for _, tt := range tests {
		got, err := Crypt([]byte(tt.key), tt.setting)
		if err != nil {
			t.Fatalf("Crypt(%q): %v", tt.setting, err)
		}
		if got != tt.want {
			t.Errorf("Crypt(%q, %q)\n got %s\nwant %s", tt.key, tt.setting, got, tt.want)
		}
		if !Verify([]byte(tt.key), tt.want) {
			t.Errorf("Verify(%q, %q) = false", tt.key, tt.want)
		}
	}
}

// TestGlibc compares with glibc's crypt(3) through mkpasswd (Debian's
// whois package). It fails instead of skipping when CI is set.
func TestGlibc(t *testing.T) {
	mkpasswd, err := exec.LookPath("mkpasswd")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mkpasswd (apt package whois) is needed: %v", err)
		}
		t.Skip("mkpasswd not installed")
	}
	tests := []struct{ key, salt string }{
		{"", "saltsalt"},
		{"a", "xyzxyzxy"},
		{"correct horse battery staple", "0123456789abcdef"},
		{"päßwörd with ütf-8", "./AZaz09"},
		{strings.Repeat("long", 40), "saltsaltsaltsalt"},
		{"root", "rounds=1000$abcdefgh"},
		{"root", "rounds=12345$abcdefgh"},
	}
	for _, tt := range tests {
		args := []string{"-m", "sha-512", "-S", tt.salt, tt.key}
		if r, s, ok := strings.Cut(tt.salt, "$"); ok {
			args = []string{"-m", "sha-512", "-R", strings.TrimPrefix(r, "rounds="), "-S", s, tt.key}
		}
		out, err := exec.Command(mkpasswd, args...).Output()
		if err != nil {
			t.Fatalf("mkpasswd %q: %v", args, err)
		}
		want := strings.TrimSpace(string(out))
		got, err := Crypt([]byte(tt.key), want)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("key %q salt %q\n got %s\nglibc %s", tt.key, tt.salt, got, want)
		}
	}
}

func TestNewAndVerify(t *testing.T) {
	h, err := New([]byte("s3cret"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, Prefix) || len(h) != len(Prefix)+SaltLen+1+86 {
		t.Fatalf("unexpected shape %q", h)
	}
	if !Verify([]byte("s3cret"), h) || Verify([]byte("s3cret!"), h) {
		t.Fatal("Verify disagrees with New")
	}
	h2, _ := New([]byte("s3cret"), rand.Reader)
	if h == h2 {
		t.Fatal("two hashes share a salt")
	}
	if _, err := New([]byte("x"), bytes.NewReader(nil)); err == nil {
		t.Fatal("New with an empty random source succeeded")
	}
}

func TestBadSetting(t *testing.T) {
	for _, s := range []string{"", "$5$salt", "$6$rounds=x$salt", "$6$rounds=12"} {
		if _, err := Crypt([]byte("k"), s); err == nil {
			t.Errorf("Crypt(%q) succeeded", s)
		}
		if Verify([]byte("k"), s) {
			t.Errorf("Verify(%q) = true", s)
		}
	}
}
