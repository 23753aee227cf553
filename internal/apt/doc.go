// Package apt reads this machine's Debian archive address from its apt
// configuration, so that xbuild never has to name a mirror itself.
//
// Both places apt reads are understood: the deb822 files
// /etc/apt/sources.list.d/*.sources and the one-line files
// /etc/apt/sources.list and /etc/apt/sources.list.d/*.list. The first "deb"
// entry that is not a security archive wins:
//
//	base, err := apt.ArchiveURL("") // e.g. "http://mirror.example.org/debian"
//	url := base + "/pool/main/h/hello/hello_2.10.orig.tar.gz"
package apt
