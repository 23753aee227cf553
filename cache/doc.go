// Package cache is xbuild's snapshot store: a content-addressed store of
// directory trees. After every build stage the LFS tree is snapshotted;
// on a cache hit the stage's snapshot is restored instead of rebuilt.
//
//	s, err := cache.Open("/var/lib/xbuild/cache")
//	snap, err := s.Snapshot(ctx, "/mnt/lfs", cache.SnapshotOptions{ClampMtime: &sde})
//	err = s.SetRef(ctx, "stage/"+key.Encoded(), snap)
//	...
//	err = s.Restore(ctx, snap, "/mnt/lfs", cache.RestoreOptions{})
//
// A snapshot's identity is the sha256 of its tree manifest's canonical
// encoding (below). The same tree content in two directories at two
// times has the same digest: the manifest holds no directory name, atime,
// ctime or inode number. This package does not import libcontainer.
//
// # Tree encoding (version 1)
//
// The manifest is the bytes "xbuild-tree-v1\n", then uvarint(entry count),
// then the entries sorted by Path in byte order. Integers are
// encoding/binary varints (uvarint; mtime is a zigzag varint), a string is
// uvarint(length) followed by its bytes. Each entry is:
//
//	string  path      rooted, slash-separated, clean; "/" is the tree root
//	byte    type      1 dir, 2 file, 3 symlink, 4 hardlink, 5 char, 6 block,
//	                  7 fifo, 8 socket
//	uvarint mode      unix permission bits incl. setuid 04000, setgid 02000,
//	                  sticky 01000 (no type bits)
//	uvarint uid, gid  numeric
//	varint  mtime     nanoseconds since the epoch (clamped, see ClampMtime)
//	uvarint size      logical size of a regular file, else 0
//	string  digest    "sha256:<hex>" of the stored content of a regular file
//	                  with content, else ""
//	string  link      symlink target, verbatim, else ""
//	string  hardlink  path of the entry this is a hard link to, else ""
//	uvarint rdev      device number of char/block devices, else 0
//	uvarint n, then n × (string name, string value): all xattrs, by name
//	byte    sparse    0: dense file (or not a file);
//	                  1: sparse, followed by uvarint n, n × (uvarint offset,
//	                  uvarint length) data regions, ascending
//
// Fields a type does not use are zero. Of several paths sharing an inode,
// the first in path order is a normal entry and the others are type
// hardlink entries naming it and carrying nothing else. A sparse file's
// stored content (and digest) is its data regions concatenated; holes are
// found with SEEK_DATA/SEEK_HOLE, so the regions follow the filesystem's
// allocation. Decoding rejects anything that does not re-encode to the
// same bytes. The root entry records the root directory's mode, owner,
// mtime and xattrs.
//
// # Store layout
//
//	lock                  flock: shared by Snapshot/Restore, exclusive by GC
//	tmp/                  every write starts here; emptied by Open and GC
//	blobs/sha256/<hex>    content of 1 MiB and more: zstd frames of 2 MiB
//	                      (stores written before 2026-11-30 also hold
//	                      contents of 128 KiB to 1 MiB here; both are read)
//	packs/<hex>.pack      smaller contents, about 4 MiB of them per pack
//	snapshots/sha256/<hex> zstd-compressed tree manifest, named by its digest
//	refs/<name>           "sha256:<hex>\n"; "/" in names stored as "%"
//	statcache/<hex>       per snapshotted directory (sha256 of its path)
//
// A pack is one zstd frame of its blobs' contents concatenated, then an
// index (per blob: 32-byte sha256, uvarint length; offsets are cumulative),
// then a trailer: data length and index length as little-endian uint64 and
// "XBPACK1\n". A pack is named by the sha256 of its index and trailer
// (packs written before 2026-11-30: of the whole file); the index names
// the content, and restore checks every blob's sha256 anyway. Packing
// small files makes the store about as small as a solid tar.zst (tens of
// thousands of files compressed one by one would not be) and spares the
// filesystem one inode per file. Contents up to 1 MiB go into packs: each
// compressed alone, from an empty window, they stored about 1.3 times
// what they do in a solid stream.
//
// # Durability
//
// Blob and pack contents are compressed in memory (with
// Store.VerifyWrites, decompressed again and compared, so a compressor
// fault never reaches the disk), written to tmp/, and after the walk made
// durable with one syncfs
// of the store's filesystem; only then are they renamed into place, their
// directories synced, and the manifest written (temp, fsync, rename,
// directory fsync). A crash at any moment leaves at most files in tmp/,
// never a visible partial blob, pack or snapshot. Restore checks every
// blob's sha256 while writing and fails with a *CorruptError naming blob
// and path.
//
// The write-time round trip is off by default: it cost 16% of a full
// snapshot's wall time on a 2 GB copy of /usr (4.59 s against 3.86 s),
// it guards only against a compressor bug, and such a bug can still never
// give a wrong file, since every restore checks every blob. What it would
// leave is a recorded snapshot that cannot be restored, and a stored blob
// that later snapshots trust instead of writing again: Check reads every
// blob back and, repairing, removes the damaged copies and the snapshots
// that need them (xbuild cache check --repair), so the next build stores
// the content again. Who would rather pay the 16% than ever find such a
// snapshot sets it (xbuild --verify-writes).
//
// # Stat cache
//
// Snapshot remembers, per directory, each regular file's size, mtime,
// ctime, inode, digest and xattrs; a file whose four values all match (and
// whose blob is still stored) is not read again, nor are its xattrs
// (setting or removing one moves the ctime). A cache that nothing changed
// is not rewritten. Files changed within 20 ms of
// the snapshot's start are not remembered (a later change could keep the
// same timestamps). Restore leaves a stat cache for the directory it
// filled, so snapshotting a restored-then-built tree reads only what the
// build changed. SnapshotOptions.Rehash ignores the cache.
//
// # Resources
//
// Contents are streamed; memory is bounded by the worker count (about
// 5 MiB pack buffers, a 1 MiB file buffer and a 2 MiB chunk per worker,
// compressor state) plus the manifest, which is O(entries): about 215 MB
// peak RSS was measured for a 2 GB tree of 78k entries. Hash, compress
// and restore workers run in errgroups that stop on ctx cancellation; the
// walk checks ctx per entry.
//
// # Keeping the cores busy
//
// A snapshot does about the CPU work of tar | zstd -T0 -3 (compression at
// SpeedFastest, every content hashed), so it keeps up only if no core
// waits. Store.Level (xbuild --compression) picks another level for new
// data; it changes no digest, and a store may hold data written at any
// mix of levels. The walker queues files
// to Workers hashing goroutines, which fill packs that Workers more
// goroutines compress; a large file is hashed and compressed in one read
// while most large files are new (hashed first, and compressed only if
// new, once most turn out stored); the tree is encoded while the last
// packs compress, and the manifest compressed while commit syncs. Restore
// runs its tasks (a pack, a large blob, a batch of contentless entries)
// on a fixed pool of Workers goroutines: spawning a goroutine per task
// made the caller's goroutine hand the processor over at every task, and
// xbuild's main goroutine is locked to its thread (for libcontainer),
// which turned each hand-over into two thread switches. Files are read
// and written through bare descriptors (os.File costs an fcntl and the
// poller per file), and a restored file is chowned only when it was not
// created with its recorded owner.
package cache
