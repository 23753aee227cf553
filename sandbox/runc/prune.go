//go:build linux

package runc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"
)

// Prune kills and destroys every container left in the state directory by
// runs that did not end normally (xbuild killed by SIGKILL, a crash, power
// loss): their processes, cgroups and state. It must not run concurrently
// with Run on the same state directory; call it once at start-up. It returns
// the IDs it removed.
func (r *Runner) Prune(ctx context.Context) ([]string, error) {
	entries, err := os.ReadDir(r.stateDir)
	if err != nil {
		return nil, fmt.Errorf("read state dir: %w", err)
	}
	var pruned []string
	var errs []error
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return pruned, err
		}
		if !e.IsDir() {
			continue
		}
		id := e.Name()
		if err := pruneOne(ctx, r.stateDir, id); err != nil {
			errs = append(errs, fmt.Errorf("prune container %s: %w", id, err))
			continue
		}
		pruned = append(pruned, id)
	}
	return pruned, errors.Join(errs...)
}

func pruneOne(ctx context.Context, stateDir, id string) error {
	c, err := libcontainer.Load(stateDir, id)
	if errors.Is(err, libcontainer.ErrNotExist) {
		// Created half-way, before its state was saved: nothing runs.
		return os.RemoveAll(filepath.Join(stateDir, id))
	}
	if err != nil {
		return err
	}
	_ = c.Signal(unix.SIGKILL)
	// The init is not our child: poll until the kernel has reaped it.
	for {
		st, err := c.Status()
		if err != nil {
			return err
		}
		if st == libcontainer.Stopped {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return c.Destroy()
}
