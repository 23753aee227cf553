// Package explain says why two versions of one file differ.
//
// xbuild verify rebuilds a stage with variations (see verify/vary) and
// compares the two snapshots file by file. For every path whose content
// differs it asks this package for an Explanation: the file's format, a
// one-line summary, a few detail lines (a unified diff excerpt for text,
// the differing sections of an ELF file, the differing members of an ar
// archive, header or payload of a gzip, xz or zstd file) and hints naming
// well-known causes (an embedded date, the build path, the host name, the
// user name, a random value, parallel-build ordering, a timestamp in a
// container header).
//
// The taxonomy follows diffoscope's, implemented in Go for the formats an
// LFS system is made of, so that nothing beyond xbuild is needed at run
// time. Containers are opened and their differing members explained in turn
// (an object file inside a static library, the text inside a gzip'ed man
// page), a few levels deep.
//
// Hints work best with the canaries that verify/vary puts into the second
// build (host name xbuild-vary-host, user xbuild-vary-user, build path
// /xbuild-vary-path): a canary found in a differing file names its cause.
//
//	e := explain.Content("usr/lib/libfoo.a", cached, rebuilt)
//	fmt.Println(e.Summary)
//	for _, h := range e.Hints {
//		fmt.Println(h.Cause, h.Evidence, h.Fix)
//	}
//
// Files too big to hold in memory go through Reader, which compares them in
// chunks and looks for hints around the first differences.
//
// The package is pure Go and silent; it never imports libcontainer.
package explain
