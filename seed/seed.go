package seed

import (
	"context"

	"github.com/opencontainers/go-digest"
)

// Snapshotter stores the tree under dir and returns its digest. It must not
// keep references into dir: the caller removes it afterwards.
type Snapshotter interface {
	Snapshot(ctx context.Context, dir string) (digest.Digest, error)
}
