package stages

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
	"github.com/xlapp/xbuild/manifests"
)

// SandboxProfile names everything about the sandbox that can change a
// build's output and is not in the manifest (hostname, paths, environment
// shape). Bump it whenever runPackage changes what a script sees.
const SandboxProfile = "xbuild-sandbox/1 hostname=xbuild build=/build sources=/sources lfs=/mnt/lfs env=fixed"

// EmptyTree stands for the parent snapshot of a stage without a parent.
const EmptyTree = "empty"

// StepInput is everything one package step's cache key covers. Nothing that
// cannot change the result enters it: not -j (MAKEFLAGS differ, output must
// not), not log level, not progress, not paths of the store.
type StepInput struct {
	Seed    digest.Digest // the seed snapshot
	Parent  string        // the parent stage's snapshot digest, or EmptyTree
	Prev    digest.Digest // the previous step's key in this stage; "" for the first
	Epoch   int64
	Stage   *manifests.Stage
	Package *manifests.Package
	Sources []manifests.Source // the package's sources, in its order
	Sandbox string
}

// Encode returns the canonical encoding that the key is the sha256 of.
//
// One field per line, "name value...", values that are free text quoted with
// strconv.Quote, in this fixed order:
//
//	xbuild-step v1
//	sandbox "<SandboxProfile>"
//	epoch <SOURCE_DATE_EPOCH>
//	seed <digest>
//	parent <digest>|empty
//	prev <digest>            (only from the second package on)
//	stage "<name>" root <seed|lfs> user "<name>" <uid> <gid>
//	stage-env "<KEY>" "<value>"          (one line each, file order)
//	package "<name>" jobs <parallel|serial> user "<name>" <uid> <gid>
//	package-env "<KEY>" "<value>"
//	script <sha256 digest of the script's bytes>
//	source "<file>" <sha256 digest>      (the package's order)
func (in StepInput) Encode() string {
	var b strings.Builder
	q := strconv.Quote
	fmt.Fprintf(&b, "xbuild-step v1\n")
	fmt.Fprintf(&b, "sandbox %s\n", q(in.Sandbox))
	fmt.Fprintf(&b, "epoch %d\n", in.Epoch)
	fmt.Fprintf(&b, "seed %s\n", in.Seed)
	fmt.Fprintf(&b, "parent %s\n", in.Parent)
	if in.Prev != "" {
		fmt.Fprintf(&b, "prev %s\n", in.Prev)
	}
	st := in.Stage
	fmt.Fprintf(&b, "stage %s root %s user %s %d %d\n", q(st.Name), st.Root, q(st.User.Name), st.User.UID, st.User.GID)
	for _, e := range st.Env {
		fmt.Fprintf(&b, "stage-env %s %s\n", q(e.Key), q(e.Value))
	}
	pk := in.Package
	u := packageUser(st, pk)
	fmt.Fprintf(&b, "package %s jobs %s user %s %d %d\n", q(pk.Name), pk.Jobs, q(u.Name), u.UID, u.GID)
	for _, e := range pk.Env {
		fmt.Fprintf(&b, "package-env %s %s\n", q(e.Key), q(e.Value))
	}
	fmt.Fprintf(&b, "script %s\n", digest.FromBytes(pk.Body))
	for _, s := range in.Sources {
		fmt.Fprintf(&b, "source %s %s\n", q(s.File), s.SHA256)
	}
	return b.String()
}

// Key is the step's cache key.
func (in StepInput) Key() digest.Digest {
	sum := sha256.Sum256([]byte(in.Encode()))
	return digest.NewDigestFromBytes(digest.SHA256, sum[:])
}

func packageUser(st *manifests.Stage, pk *manifests.Package) manifests.User {
	if pk.User != nil {
		return *pk.User
	}
	return st.User
}

// StepKeys returns the cache key of each package of st, in order, given the
// seed and the parent's snapshot (or EmptyTree).
func StepKeys(m *manifests.Manifest, st *manifests.Stage, seed digest.Digest, parent string) ([]digest.Digest, []StepInput) {
	keys := make([]digest.Digest, len(st.Packages))
	inputs := make([]StepInput, len(st.Packages))
	var prev digest.Digest
	for i := range st.Packages {
		pk := &st.Packages[i]
		in := StepInput{Seed: seed, Parent: parent, Prev: prev, Epoch: m.SourceDateEpoch,
			Stage: st, Package: pk, Sandbox: SandboxProfile}
		for _, f := range pk.Sources {
			if s := m.Source(f); s != nil {
				in.Sources = append(in.Sources, *s)
			}
		}
		keys[i] = in.Key()
		inputs[i] = in
		prev = keys[i]
	}
	return keys, inputs
}

// SeedKey identifies a seed configuration; the store maps it to the seed
// snapshot made from it.
func SeedKey(s manifests.Seed) string {
	enc := fmt.Sprintf("xbuild-seed v1\nsuite %q\nvariant %q\ninclude %q\n", s.Suite, s.Variant, strings.Join(s.Include, ","))
	return fmt.Sprintf("%x", sha256.Sum256([]byte(enc)))
}
