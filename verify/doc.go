// Package verify proves a stage bit-for-bit reproducible, or says which
// files differ and why.
//
// Stage rebuilds a stage from its parent's snapshot on a scratch copy of the
// engine (so the cache is never touched) with the variations of vary
// applied, then compares the two snapshots' trees and explains every
// difference with explain (text diffs, ELF sections, ar members, compressed
// headers, and hints such as an embedded date or the build path):
//
//	r, err := verify.Stage(ctx, engine, store, "toolchain", verify.Options{Vary: set})
//	if err == nil && !r.Reproducible() { r.WriteText(os.Stdout) }
//
// With Options.Published it compares the local build with the digest the
// manifest's xbuild.lock publishes instead.
package verify
