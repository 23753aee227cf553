//go:build linux

package runc_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xlapp/xbuild/sandbox"
	"github.com/xlapp/xbuild/sandbox/runc"
)

func TestPreflight(t *testing.T) {
	requireRoot(t)
	if err := runc.Preflight(); err != nil {
		t.Fatal(err)
	}
}

// TestExitStatus proves that exit codes propagate and that a command killed
// by a signal (here SIGKILL from the host, as the OOM killer would) reports
// it as 128+n with the signal's name.
func TestExitStatus(t *testing.T) {
	r, _ := newRunner(t)
	root := busyboxRoot(t, true)
	tests := []struct {
		name   string
		script string
		kill   string // marker of a process the test SIGKILLs from the host
		want   *sandbox.ExitError
	}{
		{name: "success", script: "true"},
		{name: "exit 3", script: "exit 3", want: &sandbox.ExitError{Code: 3}},
		{name: "exit 255", script: "exit 255", want: &sandbox.ExitError{Code: 255}},
		{name: "command not found", script: "no-such-command", want: &sandbox.ExitError{Code: 127}},
		{name: "killed", script: "sleep 60; : marker-exit-killed", kill: "marker-exit-killed", want: &sandbox.ExitError{Code: 137, Signal: "SIGKILL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.kill != "" {
				go func() {
					for range 100 {
						if pids := findProcesses(t, tt.kill); len(pids) > 0 {
							for _, p := range pids {
								_ = killPid(p)
							}
							return
						}
						time.Sleep(50 * time.Millisecond)
					}
				}()
			}
			out, err := run(t, r, sandbox.Spec{Rootfs: root}, tt.script)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want nil; output:\n%s", err, out)
				}
				return
			}
			var ee *sandbox.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("err = %v (%T), want *sandbox.ExitError; output:\n%s", err, err, out)
			}
			if *ee != *tt.want {
				t.Errorf("exit = %+v, want %+v", *ee, *tt.want)
			}
		})
	}
}

// TestOutput proves that stdout and stderr reach the log, both when it is a
// plain io.Writer (pipes) and when it is one *os.File for both, and that a
// nil Stdin reads as /dev/null while a given one is read.
func TestOutput(t *testing.T) {
	r, _ := newRunner(t)
	root := busyboxRoot(t, true)
	script := "echo to-stdout; echo to-stderr >&2; cat; echo eof"

	t.Run("writers", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		err := r.Run(context.Background(), sandbox.Spec{
			Rootfs: root, Args: []string{"sh", "-c", script}, Env: testEnv,
			Stdin: strings.NewReader("from-stdin\n"), Stdout: &stdout, Stderr: &stderr,
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := stdout.String(), "to-stdout\nfrom-stdin\neof\n"; got != want {
			t.Errorf("stdout = %q, want %q", got, want)
		}
		if got, want := stderr.String(), "to-stderr\n"; got != want {
			t.Errorf("stderr = %q, want %q", got, want)
		}
	})
	t.Run("one file", func(t *testing.T) {
		logPath := filepath.Join(t.TempDir(), "log")
		f, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		err = r.Run(context.Background(), sandbox.Spec{
			Rootfs: root, Args: []string{"sh", "-c", script}, Env: testEnv,
			Stdout: f, Stderr: f,
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(logPath)
		if err != nil {
			t.Fatal(err)
		}
		if want := "to-stdout\nto-stderr\neof\n"; string(got) != want {
			t.Errorf("log = %q, want %q", got, want)
		}
	})
	t.Run("nil writers", func(t *testing.T) {
		err := r.Run(context.Background(), sandbox.Spec{Rootfs: root, Args: []string{"sh", "-c", script}, Env: testEnv})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestIdentity proves that hostname, domain name, environment, working
// directory, user, groups and umask are exactly as given, and that a
// non-root user has no capabilities and no_new_privs is set.
func TestIdentity(t *testing.T) {
	r, _ := newRunner(t)
	root := busyboxRoot(t, true)
	umask := uint32(0o027)
	env := []string{"PATH=/bin", "HOME=/home/b", "LC_ALL=POSIX", "WEIRD=a b=c"}
	tests := []struct {
		name string
		spec sandbox.Spec
		want []string // lines of the output, in order
	}{
		{
			name: "defaults",
			spec: sandbox.Spec{Rootfs: root, Env: env},
			want: []string{"host=xbuild", "domain=(none)", "cwd=/", "uid=0", "gid=0", "groups=0", "umask=0022",
				"caps=00000000a80425fb", "nnp=1", "PATH=/bin", "HOME=/home/b", "LC_ALL=POSIX", "WEIRD=a b=c"},
		},
		{
			name: "given",
			spec: sandbox.Spec{Rootfs: root, Env: env, Hostname: "h1", Domainname: "d1", Cwd: "/build/pkg",
				UID: 1000, GID: 1001, AdditionalGIDs: []uint32{10, 20}, Umask: &umask},
			want: []string{"host=h1", "domain=d1", "cwd=/build/pkg", "uid=1000", "gid=1001", "groups=1001 10 20", "umask=0027",
				"caps=0000000000000000", "nnp=1", "PATH=/bin", "HOME=/home/b", "LC_ALL=POSIX", "WEIRD=a b=c"},
		},
	}
	script := `echo host=$(hostname); echo domain=$(cat /proc/sys/kernel/domainname); echo cwd=$(pwd)
echo uid=$(id -u); echo gid=$(id -g); echo groups=$(id -G); echo umask=$(umask)
echo caps=$(grep CapEff /proc/self/status | cut -f2); echo nnp=$(grep NoNewPrivs /proc/self/status | cut -f2)
cat /proc/1/environ | tr '\0' '\n'`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, r, tt.spec, script)
			if err != nil {
				t.Fatalf("%v; output:\n%s", err, out)
			}
			if got, want := strings.TrimSpace(out), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestLimits proves that the pids limit caps a fork bomb, that the memory
// limit gets a hog OOM-killed, and that the cpuset is applied.
func TestLimits(t *testing.T) {
	r, _ := newRunner(t)
	root := busyboxRoot(t, true)

	t.Run("pids", func(t *testing.T) {
		// A fork bomb that gives up: a subshell starts sleepers until fork
		// fails, then the shell counts the container's processes without
		// forking.
		script := `(i=0; while [ $i -lt 200 ]; do sleep 30 & i=$((i+1)); done) 2>/dev/null; set -- /proc/[0-9]*; echo $#`
		out, err := run(t, r, sandbox.Spec{Rootfs: root, PidsLimit: 32}, script)
		if err != nil {
			t.Fatalf("%v; output:\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		n, err := strconv.Atoi(lines[len(lines)-1])
		if err != nil {
			t.Fatalf("output:\n%s", out)
		}
		if n > 32 || n < 30 {
			t.Errorf("%d processes in the container, want the limit 32 (or just under)", n)
		}
	})
	t.Run("memory", func(t *testing.T) {
		// 64 MiB in a shell variable under a 32 MiB limit: the OOM killer
		// takes the shell.
		script := `x=$(head -c 67108864 /dev/zero | tr '\0' a); echo survived ${#x}`
		out, err := run(t, r, sandbox.Spec{Rootfs: root, MemoryBytes: 32 << 20}, script)
		var ee *sandbox.ExitError
		if !errors.As(err, &ee) || ee.Signal != "SIGKILL" {
			t.Fatalf("err = %v, want killed by SIGKILL; output:\n%s", err, out)
		}
		if out, err := run(t, r, sandbox.Spec{Rootfs: root, MemoryBytes: 256 << 20}, script); err != nil || !strings.Contains(out, "survived 67108864") {
			t.Fatalf("under a 256 MiB limit: err = %v; output:\n%s", err, out)
		}
	})
	t.Run("cpuset", func(t *testing.T) {
		out, err := run(t, r, sandbox.Spec{Rootfs: root, Cpuset: "0"}, `grep Cpus_allowed_list /proc/self/status | cut -f2`)
		if err != nil {
			t.Fatalf("%v; output:\n%s", err, out)
		}
		if got := strings.TrimSpace(out); got != "0" {
			t.Errorf("Cpus_allowed_list = %q, want 0", got)
		}
	})
}

// TestSymlinkedRootfs proves that a rootfs path through a symlink works.
func TestSymlinkedRootfs(t *testing.T) {
	r, _ := newRunner(t)
	root := busyboxRoot(t, true)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, r, sandbox.Spec{Rootfs: link}, "test -x /bin/busybox"); err != nil {
		t.Fatalf("%v; output:\n%s", err, out)
	}
}

// TestParallel proves that runs with generated IDs do not collide.
func TestParallel(t *testing.T) {
	r, state := newRunner(t)
	root := busyboxRoot(t, true)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			errs[i] = r.Run(context.Background(), sandbox.Spec{Rootfs: root, Args: []string{"sh", "-c", "sleep 0.2"}, Env: testEnv})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("run %d: %v", i, err)
		}
	}
	assertEmptyDir(t, state)
}

// BenchmarkRun measures the cost of one container: create, start `true`,
// wait, destroy.
func BenchmarkRun(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	r, err := runc.New(filepath.Join(b.TempDir(), "state"), runc.WithCgroupParent(testCgroupParent))
	if err != nil {
		b.Fatal(err)
	}
	root := busyboxRoot(b, true)
	for b.Loop() {
		if err := r.Run(context.Background(), sandbox.Spec{Rootfs: root, Args: []string{"true"}, Env: testEnv}); err != nil {
			b.Fatal(err)
		}
	}
}
