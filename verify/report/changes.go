package report

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/xlapp/xbuild/cache"
	"github.com/xlapp/xbuild/verify/explain"
)

// BlobOpener opens a stored file's content by digest; *cache.Store is one.
// The reader verifies the content at EOF; the caller closes it.
type BlobOpener interface {
	OpenBlob(ctx context.Context, d digest.Digest) (io.ReadCloser, error)
}

// FromChanges turns the changes between two snapshot trees (cache.Diff of
// the first build's tree and the second's) into Differences, explaining
// every content change from the stored blobs. Both trees' blobs are read
// through blobs. A blob that cannot be read is an error: a verify run must
// not call a corrupt store "not reproducible".
func FromChanges(ctx context.Context, changes []cache.Change, blobs BlobOpener) ([]Difference, error) {
	var out []Difference
	for _, c := range changes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch c.Kind {
		case cache.Added:
			out = append(out, Metadata(c.Path, OnlyInB, "", c.B.Type.String()))
		case cache.Removed:
			out = append(out, Metadata(c.Path, OnlyInA, c.A.Type.String(), ""))
		case cache.Type:
			out = append(out, Metadata(c.Path, Type, c.A.Type.String(), c.B.Type.String()))
		case cache.Link:
			out = append(out, Metadata(c.Path, LinkTarget, linkOf(c.A), linkOf(c.B)))
		case cache.Mode:
			out = append(out, Metadata(c.Path, Mode, modeOf(c.A.Mode), modeOf(c.B.Mode)))
		case cache.Owner:
			out = append(out, Metadata(c.Path, Owner, fmt.Sprintf("%d:%d", c.A.UID, c.A.GID), fmt.Sprintf("%d:%d", c.B.UID, c.B.GID)))
		case cache.Xattr:
			out = append(out, Metadata(c.Path, Xattr, xattrsOf(c.A), xattrsOf(c.B)))
		case cache.Mtime:
			out = append(out, Metadata(c.Path, Mtime, timeOf(c.A.MtimeNs), timeOf(c.B.MtimeNs)))
		case cache.Content:
			e, err := contentOf(ctx, c, blobs)
			if err != nil {
				return nil, err
			}
			out = append(out, Content(c.Path, e))
		default:
			out = append(out, Metadata(c.Path, Kind(c.Kind.String()), "", ""))
		}
	}
	return out, nil
}

func contentOf(ctx context.Context, c cache.Change, blobs BlobOpener) (explain.Explanation, error) {
	a, b := c.A, c.B
	switch {
	case a.Type == cache.TypeChar || a.Type == cache.TypeBlock:
		return explain.Explanation{Format: explain.FormatBinary,
			Summary: fmt.Sprintf("%s device: number %#x vs %#x", a.Type, a.Rdev, b.Rdev)}, nil
	case a.Type != cache.TypeFile:
		return explain.Explanation{Format: explain.FormatBinary,
			Summary: fmt.Sprintf("%s: size %d vs %d", a.Type, a.Size, b.Size)}, nil
	case a.Digest == b.Digest && a.Size == b.Size:
		return explain.Explanation{Format: explain.FormatBinary,
			Summary: "the same data with holes in other places (sparse layout)"}, nil
	}
	ra, err := openStored(ctx, blobs, a)
	if err != nil {
		return explain.Explanation{}, fmt.Errorf("explain %s: %w", c.Path, err)
	}
	defer ra.Close()
	rb, err := openStored(ctx, blobs, b)
	if err != nil {
		return explain.Explanation{}, fmt.Errorf("explain %s: %w", c.Path, err)
	}
	defer rb.Close()
	e, err := explain.Streams(c.Path, ra, a.StoredSize(), rb, b.StoredSize())
	if err != nil {
		return explain.Explanation{}, fmt.Errorf("explain %s: %w", c.Path, err)
	}
	if a.Sparse != nil || b.Sparse != nil {
		e.Summary += " (sparse file: its data regions compared)"
	}
	return e, nil
}

// emptyBlob is an empty file's content, which the store need not hold.
type emptyBlob struct{ io.Reader }

func (emptyBlob) Close() error { return nil }

func openStored(ctx context.Context, blobs BlobOpener, e *cache.Entry) (io.ReadCloser, error) {
	if e.StoredSize() == 0 {
		return emptyBlob{strings.NewReader("")}, nil
	}
	r, err := blobs.OpenBlob(ctx, e.Digest)
	if err != nil {
		return nil, fmt.Errorf("open content of %s: %w", e.Path, err)
	}
	return r, nil
}

func linkOf(e *cache.Entry) string {
	if e.Hardlink != "" {
		return "hard link to " + e.Hardlink
	}
	return e.Link
}

// modeOf spells a mode in octal with the setuid, setgid and sticky bits,
// as chmod takes it.
func modeOf(m fs.FileMode) string {
	o := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		o |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		o |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		o |= 0o1000
	}
	return fmt.Sprintf("%04o", o)
}

func xattrsOf(e *cache.Entry) string {
	var ks []string
	for k, v := range e.Xattrs {
		ks = append(ks, fmt.Sprintf("%s=%x", k, v))
	}
	slices.Sort(ks)
	return strings.Join(ks, " ")
}

func timeOf(ns int64) string {
	return time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
}
