package cache

import (
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
)

// ErrNotFound is returned (wrapped) when a ref, snapshot or blob does not
// exist in the store.
var ErrNotFound = errors.New("not found")

// CorruptError reports a stored blob whose content does not match its
// digest, or that cannot be decompressed. Path is the tree path being
// restored, or the store file when there is no tree path.
type CorruptError struct {
	Blob digest.Digest
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("corrupt blob %s for %s: %v", e.Blob, e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }
