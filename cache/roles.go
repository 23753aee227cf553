package cache

import (
	"context"
	"io"

	"github.com/opencontainers/go-digest"
)

// The store's roles. A consumer declares the narrowest one it uses; *Store
// implements them all.

// Snapshotter records directory trees.
type Snapshotter interface {
	Snapshot(ctx context.Context, dir string, opts SnapshotOptions) (digest.Digest, error)
}

// Restorer recreates recorded trees and reads them.
type Restorer interface {
	HasSnapshot(ctx context.Context, snap digest.Digest) (bool, error)
	Restore(ctx context.Context, snap digest.Digest, dir string, opts RestoreOptions) error
	Tree(ctx context.Context, snap digest.Digest) (*Tree, error)
	OpenBlob(ctx context.Context, d digest.Digest) (io.ReadCloser, error)
}

// RefStore keeps named pointers to snapshots (stage cache keys).
type RefStore interface {
	SetRef(ctx context.Context, name string, snap digest.Digest) error
	Ref(ctx context.Context, name string) (digest.Digest, error)
	Refs(ctx context.Context) (map[string]digest.Digest, error)
	DeleteRef(ctx context.Context, name string) error
}

// Maintainer lists and prunes the store.
type Maintainer interface {
	Snapshots(ctx context.Context) ([]SnapshotInfo, error)
	GC(ctx context.Context, keep []digest.Digest) (GCStats, error)
}

var (
	_ Snapshotter = (*Store)(nil)
	_ Restorer    = (*Store)(nil)
	_ RefStore    = (*Store)(nil)
	_ Maintainer  = (*Store)(nil)
)
