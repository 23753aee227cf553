// Package sha512crypt implements the SHA-512 based crypt(3) scheme ("$6$")
// specified by Ulrich Drepper and used by glibc for /etc/shadow.
//
// xbuild stores the root password of an installed machine only as such a
// hash. The package is small on purpose: it hashes, generates a random salt
// and verifies, and is tested against the specification's vectors and against
// glibc's crypt(3) (through mkpasswd).
//
//	h, err := sha512crypt.New([]byte("secret"), rand.Reader)
//	// h == "$6$<16 salt chars>$<86 hash chars>"
//	ok := sha512crypt.Verify([]byte("secret"), h) // true
package sha512crypt
