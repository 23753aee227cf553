// Package manifests parses and validates what xbuild builds: the seed, the
// pinned sources, and the stages with their packages and build scripts.
//
// The format is described in FORMAT.md beside this file. Load reads a
// manifest directory from an fs.FS and returns either a validated Manifest or
// a list of errors, each naming file and line:
//
//	m, err := manifests.Load(os.DirFS("manifests/xlapp"), "manifests/xlapp")
//
// This package never imports libcontainer or the store: it builds and tests
// anywhere.
package manifests
