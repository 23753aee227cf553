// Package sources keeps the pinned source files of a build in a
// content-addressed store and fetches the missing ones.
//
// A Store lives in one directory:
//
//	sha256/<hex>   verified files, read-only, named by their sha256
//	partial/<hex>  downloads in progress, resumed with HTTP Range requests
//	quarantine/    files that did not match their pin; never used again
//
// Fetch tries, for each source that is not in the store yet: the manifest's
// own copy (local:), the mirrors (by file name, then by sha256), the source's
// URLs, and last Debian's archive (for sources with a debian: entry), whose
// address comes from this machine's apt configuration. Every byte is hashed
// while it is written; a file enters sha256/ only when its size and sha256
// match, so Path never hands out an unverified file.
//
//	st, err := sources.Open("/var/lib/xbuild/sources")
//	err = st.Fetch(ctx, m.Sources, sources.Options{Debian: true, LocalFS: m.FS})
//	p, err := st.Path(ctx, src) // errors.Is(err, sources.ErrMissing) if not fetched
package sources
