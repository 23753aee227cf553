package qemu

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xlapp/xbuild/internal/sha512crypt"
	"github.com/xlapp/xbuild/machine"
)

const rootPassword = "xlapp-test-pw"

func machineConfig(t *testing.T) string {
	t.Helper()
	return machineConfigKey(t, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAID1spwNM9umEIxZ+I4E5gDZvTy7omNJhxFDQFkfSpGwP test@xbuild")
}

// machineConfigKey is machineConfig with root's SSH key.
func machineConfigKey(t *testing.T, sshKey string) string {
	t.Helper()
	h, err := sha512crypt.New([]byte(rootPassword), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c := &machine.Config{Hostname: "xlapp1", Domain: "example.org", Interface: "eth0",
		Address: netip.MustParsePrefix("192.0.2.10/24"), Gateway: netip.MustParseAddr("192.0.2.1"),
		DNS: []netip.Addr{netip.MustParseAddr("192.0.2.53")}, RootHash: h,
		SSHKey: sshKey}
	p := filepath.Join(t.TempDir(), "machine.config")
	if err := machine.Save(p, c); err != nil {
		t.Fatal(err)
	}
	return p
}

// vm is a QEMU process whose serial console is a pipe.
type vm struct {
	t     *testing.T
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	start time.Time

	mu     sync.Mutex
	out    []byte
	pos    int // where the next expect starts looking
	change chan struct{}
	exited chan struct{}
}

// boot starts QEMU (TCG, no network, 256 MiB, the image as the first IDE disk).
func boot(t *testing.T, name, img string) *vm {
	t.Helper()
	return bootMem(t, name, img, 256)
}

// bootMem boots with mib MiB of memory and extra QEMU arguments (a NIC).
func bootMem(t *testing.T, name, img string, mib int, extra ...string) *vm {
	t.Helper()
	q := need(t, "qemu-system-x86_64", "qemu-system-x86")
	v := &vm{t: t, name: name, change: make(chan struct{}, 1), exited: make(chan struct{}), start: time.Now()}
	args := []string{"-machine", "pc,accel=tcg", "-m", strconv.Itoa(mib), "-smp", "1",
		"-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
		"-drive", "file=" + img + ",format=raw,if=ide", "-boot", "c"}
	v.cmd = exec.Command(q, append(args, extra...)...)
	var err error
	if v.stdin, err = v.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := v.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	v.cmd.Stderr = &stderr
	if err := v.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				v.mu.Lock()
				v.out = append(v.out, bytes.ReplaceAll(buf[:n], []byte("\r"), nil)...)
				v.mu.Unlock()
				select {
				case v.change <- struct{}{}:
				default:
				}
			}
			if err != nil {
				v.cmd.Wait()
				if stderr.Len() > 0 {
					t.Logf("%s: qemu stderr: %s", name, stderr.String())
				}
				close(v.exited)
				return
			}
		}
	}()
	t.Cleanup(func() {
		v.kill()
		v.saveLog()
	})
	return v
}

func (v *vm) elapsed() string { return time.Since(v.start).Round(100 * time.Millisecond).String() }

// expect waits until marker appears on the console after the previous
// match, and moves past it.
func (v *vm) expect(marker string, timeout time.Duration) {
	v.t.Helper()
	deadline := time.After(timeout)
	for {
		v.mu.Lock()
		i := bytes.Index(v.out[v.pos:], []byte(marker))
		if i >= 0 {
			v.pos += i + len(marker)
			v.mu.Unlock()
			v.t.Logf("%s: %s: seen %q", v.name, v.elapsed(), marker)
			return
		}
		v.mu.Unlock()
		select {
		case <-v.change:
		case <-v.exited:
			v.mu.Lock()
			found := bytes.Contains(v.out[v.pos:], []byte(marker))
			v.mu.Unlock()
			if !found {
				v.t.Fatalf("%s: %s: QEMU exited before %q\n%s", v.name, v.elapsed(), marker, v.tail())
			}
		case <-deadline:
			v.t.Fatalf("%s: %s: no %q within %v\n%s", v.name, v.elapsed(), marker, timeout, v.tail())
		}
	}
}

// absent fails if marker appeared since the last match.
func (v *vm) absent(marker string) {
	v.t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if bytes.Contains(v.out[v.pos:], []byte(marker)) {
		v.t.Fatalf("%s: unexpected %q\n%s", v.name, marker, v.tailLocked())
	}
}

// ever says whether marker appeared anywhere on the console so far.
func (v *vm) ever(marker string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return bytes.Contains(v.out, []byte(marker))
}

// since returns the console output after the last match.
func (v *vm) since() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return string(v.out[v.pos:])
}

func (v *vm) send(s string) {
	v.t.Helper()
	if _, err := io.WriteString(v.stdin, s); err != nil {
		v.t.Fatalf("%s: write to console: %v", v.name, err)
	}
}

// login logs in as root on the serial console with the password from
// machine.config, which proves /etc/shadow's hash works for login(1).
func (v *vm) login() {
	v.t.Helper()
	v.expect("login: ", 120*time.Second)
	v.send("root\n")
	v.expect("Password: ", 30*time.Second)
	v.send(rootPassword + "\n")
	v.expect("xlapp# ", 30*time.Second)
}

// run types a command, waits for its marker and the next prompt, and
// returns the console output in between.
func (v *vm) run(cmd, marker string) string {
	v.t.Helper()
	v.mu.Lock()
	start := v.pos
	v.mu.Unlock()
	v.send(cmd + "\n")
	v.expect(marker, 60*time.Second)
	v.expect("xlapp# ", 60*time.Second)
	v.mu.Lock()
	defer v.mu.Unlock()
	return string(v.out[start:v.pos])
}

// waitExit waits for QEMU to end (a poweroff).
func (v *vm) waitExit(timeout time.Duration) {
	v.t.Helper()
	select {
	case <-v.exited:
		v.t.Logf("%s: %s: QEMU exited", v.name, v.elapsed())
	case <-time.After(timeout):
		v.t.Fatalf("%s: QEMU still running after %v\n%s", v.name, timeout, v.tail())
	}
}

// kill pulls the plug.
func (v *vm) kill() {
	select {
	case <-v.exited:
		return
	default:
	}
	v.cmd.Process.Kill()
	<-v.exited
}

func (v *vm) tail() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.tailLocked()
}

func (v *vm) tailLocked() string {
	s := v.out
	if len(s) > 4000 {
		s = s[len(s)-4000:]
	}
	return "--- console (tail) ---\n" + string(s) + "\n--- end ---"
}

// saveLog keeps the whole console in $XBUILD_TEST_LOGS, if set.
func (v *vm) saveLog() {
	dir := os.Getenv("XBUILD_TEST_LOGS")
	if dir == "" {
		return
	}
	os.MkdirAll(dir, 0o755)
	v.mu.Lock()
	defer v.mu.Unlock()
	name := strings.NewReplacer("/", "_", " ", "_").Replace(v.t.Name() + "-" + v.name)
	os.WriteFile(filepath.Join(dir, name+".log"), v.out, 0o644)
}
