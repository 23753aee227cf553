package sha512crypt

import (
	"crypto/sha512"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

const (
	// Prefix starts every hash of this scheme.
	Prefix = "$6$"
	// DefaultRounds is used when a setting names no rounds.
	DefaultRounds = 5000
	// MinRounds and MaxRounds bound an explicit rounds= value; values
	// outside are clamped, as glibc does.
	MinRounds = 1000
	MaxRounds = 999999999
	// SaltLen is the longest salt the scheme uses; longer salts are cut.
	SaltLen = 16

	alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// ErrSetting reports a setting (or stored hash) that is not a "$6$" one.
var ErrSetting = errors.New("not a sha512-crypt setting")

// New hashes key with a fresh random salt of SaltLen characters read from
// rnd (crypto/rand.Reader in production) and the default rounds.
func New(key []byte, rnd io.Reader) (string, error) {
	raw := make([]byte, SaltLen)
	if _, err := io.ReadFull(rnd, raw); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	salt := make([]byte, SaltLen)
	for i, b := range raw {
		salt[i] = alphabet[b&0x3f]
	}
	return Crypt(key, Prefix+string(salt))
}

// Verify reports whether key hashes to hash, a complete "$6$" string as
// found in /etc/shadow. The comparison takes constant time.
func Verify(key []byte, hash string) bool {
	got, err := Crypt(key, hash)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(hash)) == 1
}

// Crypt computes crypt(3) of key for setting, which is "$6$salt",
// "$6$rounds=N$salt", or a complete hash (everything after the salt's "$"
// is ignored), exactly as glibc does.
func Crypt(key []byte, setting string) (string, error) {
	rest, ok := strings.CutPrefix(setting, Prefix)
	if !ok {
		return "", fmt.Errorf("parse setting %q: %w", setting, ErrSetting)
	}
	rounds, custom := DefaultRounds, false
	if r, ok := strings.CutPrefix(rest, "rounds="); ok {
		digits, after, found := strings.Cut(r, "$")
		n, err := strconv.ParseUint(digits, 10, 64)
		if !found || err != nil {
			return "", fmt.Errorf("parse rounds in %q: %w", setting, ErrSetting)
		}
		rounds, custom = int(min(max(n, MinRounds), MaxRounds)), true
		rest = after
	}
	salt, _, _ := strings.Cut(rest, "$")
	if len(salt) > SaltLen {
		salt = salt[:SaltLen]
	}
	sum := sum(key, []byte(salt), rounds)

	var b strings.Builder
	b.WriteString(Prefix)
	if custom {
		fmt.Fprintf(&b, "rounds=%d$", rounds)
	}
	b.WriteString(salt)
	b.WriteByte('$')
	encode(&b, sum)
	return b.String(), nil
}

// sum is the algorithm of the specification, steps 1 to 21.
func sum(key, salt []byte, rounds int) []byte {
	alt := sha512.New()
	alt.Write(key)
	alt.Write(salt)
	alt.Write(key)
	b := alt.Sum(nil)

	a := sha512.New()
	a.Write(key)
	a.Write(salt)
	a.Write(repeat(b, len(key)))
	for n := len(key); n > 0; n >>= 1 {
		if n&1 != 0 {
			a.Write(b)
		} else {
			a.Write(key)
		}
	}
	prev := a.Sum(nil)

	dp := sha512.New()
	for range key {
		dp.Write(key)
	}
	p := repeat(dp.Sum(nil), len(key))

	ds := sha512.New()
	for range 16 + int(prev[0]) {
		ds.Write(salt)
	}
	s := repeat(ds.Sum(nil), len(salt))

	c := sha512.New()
	for i := range rounds {
		c.Reset()
		if i&1 != 0 {
			c.Write(p)
		} else {
			c.Write(prev)
		}
		if i%3 != 0 {
			c.Write(s)
		}
		if i%7 != 0 {
			c.Write(p)
		}
		if i&1 != 0 {
			c.Write(prev)
		} else {
			c.Write(p)
		}
		prev = c.Sum(prev[:0])
	}
	return prev
}

// repeat returns n bytes of src repeated.
func repeat(src []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, src[:min(len(src), n-len(out))]...)
	}
	return out
}

func encode(b *strings.Builder, sum []byte) {
	// The specification's byte permutation for the final encoding.
	order := [...][3]int{
		{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4},
		{47, 5, 26}, {6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51},
		{31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35},
		{15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19},
		{62, 20, 41},
	}
	put := func(w uint32, n int) {
		for range n {
			b.WriteByte(alphabet[w&0x3f])
			w >>= 6
		}
	}
	for _, o := range order {
		put(uint32(sum[o[0]])<<16|uint32(sum[o[1]])<<8|uint32(sum[o[2]]), 4)
	}
	put(uint32(sum[63]), 2)
}
