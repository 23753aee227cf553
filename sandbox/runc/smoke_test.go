//go:build linux

package runc_test

import (
	"testing"

	"github.com/xlapp/xbuild/sandbox"
)

func TestSmoke(t *testing.T) {
	r, _ := newRunner(t)
	root := busyboxRoot(t, true)
	out, err := run(t, r, sandbox.Spec{Rootfs: root}, "echo hello; id; hostname; ls /dev /sys/class/net; cat /proc/self/mountinfo; ls /tmp")
	t.Logf("out:\n%s", out)
	if err != nil {
		t.Fatal(err)
	}
}
