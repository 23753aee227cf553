//go:build linux

package runc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"syscall"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/specconv"
	"golang.org/x/sys/unix"

	"github.com/xlapp/xbuild/sandbox"
)

// DefaultCgroupParent is the cgroup (in every v1 hierarchy, or in the v2
// tree) under which each container gets its own cgroup named by its ID.
const DefaultCgroupParent = "/xbuild"

// Runner runs each Spec in a fresh libcontainer container. It is safe for
// concurrent use; concurrent runs need distinct IDs (empty IDs are made
// unique).
type Runner struct {
	stateDir     string
	cgroupParent string
}

var _ sandbox.Runner = (*Runner)(nil)

// Option configures a Runner.
type Option func(*Runner)

// WithCgroupParent puts the containers' cgroups under parent (an absolute
// cgroup path such as "/xbuild") instead of DefaultCgroupParent.
func WithCgroupParent(parent string) Option {
	return func(r *Runner) { r.cgroupParent = parent }
}

// New returns a Runner that keeps the state of its running containers in
// stateDir (created with mode 0700 if missing), one directory per container,
// each removed when its run ends.
func New(stateDir string, opts ...Option) (*Runner, error) {
	if !filepath.IsAbs(stateDir) {
		return nil, fmt.Errorf("state dir %q: not an absolute path", stateDir)
	}
	r := &Runner{stateDir: filepath.Clean(stateDir), cgroupParent: DefaultCgroupParent}
	for _, o := range opts {
		o(r)
	}
	if !path.IsAbs(r.cgroupParent) {
		return nil, fmt.Errorf("cgroup parent %q: not an absolute path", r.cgroupParent)
	}
	if err := os.MkdirAll(r.stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	return r, nil
}

var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

// Run runs spec.Args in a new container and waits for it; see
// sandbox.Runner for the contract. Missing mountpoints that Run creates on
// the host are removed again when still empty.
func (r *Runner) Run(ctx context.Context, spec sandbox.Spec) (retErr error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	id := spec.ID
	if id == "" {
		id = randomID()
	} else if !validID.MatchString(id) {
		return fmt.Errorf("container id %q: must match %s", id, validID)
	}
	oci, err := ociSpec(spec, path.Join(r.cgroupParent, id))
	if err != nil {
		return fmt.Errorf("container %s: %w", id, err)
	}
	// libcontainer wants the rootfs without symlinks.
	if oci.Root.Path, err = filepath.EvalSymlinks(oci.Root.Path); err != nil {
		return fmt.Errorf("container %s: rootfs: %w", id, err)
	}
	if fi, err := os.Stat(oci.Root.Path); err != nil {
		return fmt.Errorf("container %s: rootfs: %w", id, err)
	} else if !fi.IsDir() {
		return fmt.Errorf("container %s: rootfs %s: not a directory", id, oci.Root.Path)
	}
	created, err := prepareHostPaths(oci.Root.Path, oci.Root.Readonly, oci.Mounts, oci.Process.Cwd)
	if err != nil {
		return fmt.Errorf("container %s: %w", id, err)
	}
	defer created.remove()

	config, err := specconv.CreateLibcontainerConfig(&specconv.CreateOpts{
		CgroupName:   id,
		NoNewKeyring: true,
		Spec:         oci,
	})
	if err != nil {
		return fmt.Errorf("container %s: convert spec: %w", id, err)
	}
	// No ParentDeathSignal: Go delivers it when the OS thread that forked
	// the init exits, which libcontainer itself may cause (locked mount
	// source threads), killing healthy builds.

	c, err := libcontainer.Create(r.stateDir, id, config)
	if errors.Is(err, libcontainer.ErrExist) {
		return fmt.Errorf("create container %s: %w (left by a run that did not end? Prune removes it)", id, err)
	}
	if err != nil {
		return fmt.Errorf("create container %s: %w", id, err)
	}
	p := &libcontainer.Process{
		Args:             oci.Process.Args,
		Env:              oci.Process.Env,
		Cwd:              oci.Process.Cwd,
		UID:              int(spec.UID),
		GID:              int(spec.GID),
		AdditionalGroups: toInts(spec.AdditionalGIDs),
		Stdin:            spec.Stdin,
		Stdout:           spec.Stdout,
		Stderr:           spec.Stderr,
		Init:             true,
	}
	started := false
	defer func() {
		// Teardown must happen even when ctx is cancelled.
		if err := teardown(context.WithoutCancel(ctx), c, p, started); err != nil && retErr == nil {
			retErr = fmt.Errorf("destroy container %s: %w", id, err)
		}
	}()
	if err := c.Run(p); err != nil {
		return fmt.Errorf("start container %s: %w", id, err)
	}
	started = true

	type result struct {
		state *os.ProcessState
		err   error
	}
	done := make(chan result, 1)
	go func() {
		st, err := p.Wait()
		done <- result{st, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		// The pid namespace's init is the command itself: killing it makes
		// the kernel kill every other process in the container.
		_ = c.Signal(unix.SIGKILL)
		<-done
		return fmt.Errorf("container %s: %w", id, ctx.Err())
	}
	return exitError(res.state, res.err)
}

// teardown kills what is left of the container and destroys it: cgroup,
// state directory; the mount namespace dies with its last process.
func teardown(_ context.Context, c *libcontainer.Container, p *libcontainer.Process, waited bool) error {
	if !waited {
		// Start failed half-way: the init may still exist.
		_ = c.Signal(unix.SIGKILL)
		_, _ = p.Wait()
	}
	return c.Destroy()
}

func exitError(st *os.ProcessState, waitErr error) error {
	if st == nil {
		return fmt.Errorf("wait: %w", waitErr)
	}
	ws, ok := st.Sys().(syscall.WaitStatus)
	if !ok {
		return fmt.Errorf("wait: unexpected status %v", st)
	}
	switch {
	case ws.Signaled():
		return &sandbox.ExitError{Code: 128 + int(ws.Signal()), Signal: unix.SignalName(ws.Signal())}
	case ws.Exited() && ws.ExitStatus() == 0:
		return nil
	case ws.Exited():
		return &sandbox.ExitError{Code: ws.ExitStatus()}
	}
	if waitErr != nil {
		return fmt.Errorf("wait: %w", waitErr)
	}
	return fmt.Errorf("wait: unexpected status %v", st)
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return "xbuild-" + hex.EncodeToString(b[:])
}

func toInts(gids []uint32) []int {
	out := make([]int, len(gids))
	for i, g := range gids {
		out[i] = int(g)
	}
	return out
}
