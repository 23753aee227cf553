package manifests

import (
	"io/fs"

	"github.com/opencontainers/go-digest"
)

// Pos is where a definition stands, for error messages: "file:line".
type Pos struct {
	File string
	Line int
}

// Manifest is a parsed and validated manifest directory.
type Manifest struct {
	Name            string
	Version         string
	SourceDateEpoch int64
	Mirrors         []string
	Seed            Seed
	Sources         []Source // sorted by File
	Stages          []Stage  // in build order: every parent before its children
	// Lock holds the published snapshot digest of each stage (xbuild.lock), if any.
	Lock map[string]digest.Digest
	// SBU names the package whose build time is one SBU in timing tables.
	SBU string
	// FS holds the manifest directory: scripts and local sources are read from it.
	FS fs.FS
	// Dir names the manifest for humans ("embedded:xlapp" or a path).
	Dir string
}

// Seed describes the pinned build host image.
type Seed struct {
	Suite   string
	Variant string
	Include []string
	Digest  digest.Digest // optional expected seed snapshot digest
	Pos     Pos
}

// Debian names a byte-identical copy of a source in Debian's archive.
type Debian struct {
	Package string // source package name, e.g. "binutils"
	File    string // file name in the pool, e.g. "binutils_2.44.orig.tar.xz"
}

// Source is one pinned input file.
type Source struct {
	File    string // name under /sources
	SHA256  digest.Digest
	Size    int64 // bytes; 0 when the pin gives only the sha256
	URLs    []string
	Debian  *Debian
	Local   string // path of a file kept in the manifest directory
	Note    string
	Checked string
	Pos     Pos
}

// SizeKnown reports whether the pin includes the file's size. The sha256
// is the pin; a size, when known, lets a wrong file be refused before it
// is read in full and gives downloads a total for their progress.
func (s Source) SizeKnown() bool { return s.Size > 0 }

// RootMode says what a stage's packages see as "/".
type RootMode string

const (
	// RootSeed runs in the read-only seed rootfs with the LFS tree at /mnt/lfs.
	RootSeed RootMode = "seed"
	// RootLFS runs rooted in the LFS tree itself (the LFS chroot chapters).
	RootLFS RootMode = "lfs"
)

// Jobs says whether a package may build with make -jN.
type Jobs string

const (
	JobsParallel Jobs = "parallel"
	JobsSerial   Jobs = "serial"
)

// User is a build user.
type User struct {
	Name     string
	UID, GID uint32
}

// Stage is one snapshot-producing step of the pipeline.
type Stage struct {
	Name     string
	Parent   string // "" for the first stage: an empty LFS tree
	Root     RootMode
	User     User
	Env      []EnvVar
	Packages []Package
	Pos      Pos
}

// EnvVar is one KEY=VALUE, kept in file order.
type EnvVar struct {
	Key, Value string
}

// Package is one build script run in the sandbox.
type Package struct {
	Name    string
	Sources []string // file names, each defined in Manifest.Sources
	Script  string   // path in FS
	Body    []byte   // the script's content
	Jobs    Jobs
	User    *User // nil: the stage's user
	Env     []EnvVar
	Pos     Pos
}
