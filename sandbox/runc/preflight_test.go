//go:build linux

package runc

import (
	"strings"
	"testing"
)

func TestCheckCgroups(t *testing.T) {
	tests := []struct {
		name, root, wantErr string
	}{
		{name: "not a cgroup fs", root: t.TempDir(), wantErr: `controller "memory" is not mounted`},
		{name: "missing", root: "/no/such/dir", wantErr: "no cgroup file system"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkCgroups(tt.root)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
	t.Run("this machine", func(t *testing.T) {
		if err := checkCgroups("/sys/fs/cgroup"); err != nil {
			t.Fatal(err)
		}
	})
}
