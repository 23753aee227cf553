// Package sandbox runs one build step in a hermetic container.
//
// The Runner interface lives here; the libcontainer implementation lives in
// sandbox/runc (linux only), so that packages that only describe a run
// (stages, tests) do not pull in libcontainer.
//
//	r, err := runc.New(stateDir)
//	err := r.Run(ctx, sandbox.Spec{Rootfs: "/mnt/lfs", Args: []string{"bash", "-c", "make"}})
//	var ee *sandbox.ExitError
//	if errors.As(err, &ee) { ... ee.Code ... }
package sandbox
