// Package bench measures xbuild's snapshot store against the tools people
// would otherwise use (issue 6): tar piped to zstd, mksquashfs and ostree,
// each run in the same benchmark run as the case it anchors, on the same
// tree and the same warm page cache.
//
// BenchmarkStore runs the xbuild binary as a child (so peak RSS is the
// child's rusage) on three trees: a synthetic build-output-like tree from
// Generate (XBUILD_BENCH_MB megabytes, default 300), a debootstrap
// minbase seed (XBUILD_BENCH_SEED, or one made once in the test cache),
// and a copy of parts of this machine's /usr of XBUILD_BENCH_MB
// megabytes (CopyUpTo; the issue's own anchor tree was one).
// Stores, anchor outputs and restores live on a tmpfs it mounts itself;
// a few reference rows repeat the full snapshot and the restore on the
// disk. It prints a Markdown table per tree (and appends it to
// $XBUILD_BENCH_OUT): xbuild's time, the anchor's, the ratio, the goal's
// limit and PASS or MISS. A miss is a measurement; a restored tree whose
// digest differs from its source's (re-read with --rehash by a second
// store) fails the benchmark.
//
// BenchmarkCacheHit builds a three-stage pipeline (testdata/pipeline)
// from the seed, then again into a fresh LFS tree with every stage
// cached, against one "xbuild restore" of the last stage.
//
// BenchmarkSandboxOverhead builds binutils pass 1 with xbuild and in a
// plain chroot of the same seed; it needs XBUILD_BENCH_BINUTILS and
// XBUILD_BENCH_TOOLCHAIN_SEED and skips without them. Both builds run on
// a tmpfs it mounts (XBUILD_BENCH_SANDBOX_FS=disk puts them under the
// test's temporary directory instead): on this VM's journal-less ext4 the
// inode allocator alone moved one build's system time by a factor of two.
//
// XBUILD_BIN selects the binary (default: built from this checkout);
// XBUILD_BENCH_REPEAT the runs per timed pair (best of; default 3, 1 for
// the sandbox builds). RESULTS.md holds the figures of this machine.
//
//	sudo XBUILD_BENCH_MB=2000 go test ./test/bench -run '^$' -bench Store -benchtime 1x -timeout 60m
package bench
