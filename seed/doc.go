// Package seed creates the seed: the pinned "LFS host" root filesystem that
// the first stages build in (read-only, with the LFS tree at /mnt/lfs), and
// hands it to a Snapshotter so that it lives in the store under a digest.
//
// Debootstrap builds it from Debian's archive (the address comes from this
// machine's apt configuration, see internal/apt); Import takes an existing
// root filesystem, as a directory or a tarball:
//
//	d, err := seed.Debootstrap(ctx, m.Seed, snap, seed.DebootstrapOptions{Log: logFile, WorkDir: "/var/lib/xbuild/work"})
//	d, err := seed.Import(ctx, "bookworm-rootfs.tar.zst", snap)
//
// The seed's digest, not its recipe, is what stages depend on: two
// debootstrap runs do not give the same bytes (timestamps, generated
// files), so a seed is made once and then pinned by digest.
package seed
