package bootloader

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckGRUB2(t *testing.T) {
	debian, err := os.ReadFile("testdata/debian-grub.cfg")
	if err != nil {
		t.Fatal(err)
	}
	s := string(debian)
	tests := []struct {
		name string
		cfg  string
		want []error
	}{
		{"debian", s, nil},
		{"no next_entry", strings.Replace(s, `set default="${next_entry}"`, `set default="0"`, 1), []error{ErrNoNextEntry}},
		{"next_entry never cleared", strings.Replace(s, "save_env next_entry", "", 1), []error{ErrNoNextEntry}},
		{"no load_env", strings.Replace(s, "load_env", "", 1), []error{ErrNoNextEntry}},
		{"no custom.cfg", s[:strings.Index(s, "### BEGIN /etc/grub.d/41_custom")], []error{ErrNoCustomCfg}},
		{"neither", "menuentry x {\n}\n", []error{ErrNoNextEntry, ErrNoCustomCfg}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckGRUB2([]byte(tt.cfg))
			if len(tt.want) == 0 && err != nil {
				t.Fatalf("CheckGRUB2: %v", err)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("CheckGRUB2 = %v, want %v", err, w)
				}
			}
		})
	}
	if err := CheckSavedDefault(debian); !errors.Is(err, ErrNoSavedDefault) {
		t.Errorf("CheckSavedDefault(GRUB_DEFAULT=0) = %v", err)
	}
	saved := strings.Replace(s, `set default="0"`, `set default="${saved_entry}"`, 1)
	if err := CheckSavedDefault([]byte(saved)); err != nil {
		t.Errorf("CheckSavedDefault(GRUB_DEFAULT=saved) = %v", err)
	}
}

// TestEnvAgainstGrubEditenv checks the grubenv codec against the real
// grub-editenv (grub-common) in both directions.
func TestEnvAgainstGrubEditenv(t *testing.T) {
	editenv, err := exec.LookPath("grub-editenv")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("grub-editenv (apt package grub-common) is needed: %v", err)
		}
		t.Skip("grub-editenv not installed")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "grubenv")
	run := func(args ...string) string {
		out, err := exec.Command(editenv, append([]string{p}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("grub-editenv %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("create")
	run("set", "saved_entry=gnulinux-simple", "next_entry=xlapp-trial")
	data, _ := os.ReadFile(p)
	env, err := ParseEnv(data)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := env.Get("next_entry"); v != "xlapp-trial" {
		t.Fatalf("next_entry = %q", v)
	}
	enc, err := env.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, data) {
		t.Fatalf("re-encoding differs from grub-editenv's file")
	}
	env.Unset("next_entry")
	env.Set("xbuild", "a\\b")
	enc, _ = env.Encode()
	os.WriteFile(p, enc, 0o644)
	if got := run("list"); got != "saved_entry=gnulinux-simple\nxbuild=a\\b\n" {
		t.Fatalf("grub-editenv list = %q", got)
	}
	if _, err := ParseEnv(data[:1000]); !errors.Is(err, ErrEnv) {
		t.Fatalf("short grubenv: %v", err)
	}
}

func TestCustomCfgKeepsUserContent(t *testing.T) {
	user := "menuentry 'My rescue' {\n\tlinux /rescue\n}\n"
	entries := []Entry{
		{ID: "xlapp-trial", Title: "XLAPP (trial)", Kernel: "/vmlinuz-x", Initrd: "/initrd-x", Cmdline: "root=UUID=u ro panic=10", Say: "xbuild: trial"},
		{ID: "xlapp-xen", Title: "XLAPP Xen", Kernel: "/vmlinuz-x", Cmdline: "root=UUID=u ro", Xen: "/xen.gz", XenArgs: "dom0_mem=1G"},
	}
	first := CustomCfg([]byte(user), "BOOT-UUID", entries)
	if !bytes.HasPrefix(first, []byte(user)) {
		t.Fatalf("user content lost:\n%s", first)
	}
	for _, want := range []string{"--id xlapp-trial", "search --no-floppy --fs-uuid --set=root BOOT-UUID", "linux /vmlinuz-x root=UUID=u ro panic=10", "initrd /initrd-x", "echo 'xbuild: trial'", "insmod gzio", "multiboot2 /xen.gz dom0_mem=1G", "module2 /vmlinuz-x root=UUID=u ro"} {
		if !bytes.Contains(first, []byte(want)) {
			t.Errorf("custom.cfg lacks %q:\n%s", want, first)
		}
	}
	again := CustomCfg(first, "BOOT-UUID", entries)
	if !bytes.Equal(first, again) {
		t.Fatalf("not idempotent:\n%s\n---\n%s", first, again)
	}
	if got := stripBlock(first); string(got) != user {
		t.Fatalf("stripBlock = %q", got)
	}
}

func TestMenuLst(t *testing.T) {
	old, err := os.ReadFile("testdata/menu.lst")
	if err != nil {
		t.Fatal(err)
	}
	entries := []Entry{
		{Title: "XLAPP (trial)", Kernel: "/boot/vmlinuz-x", Cmdline: "root=UUID=u ro xlapp.trial=1"},
		{Title: "XLAPP", Kernel: "/boot/vmlinuz-x", Cmdline: "root=UUID=u ro"},
	}
	l, err := MenuLst(old, nil, "", entries)
	if err != nil {
		t.Fatal(err)
	}
	got := string(l.MenuLst)
	if l.Host != 0 || l.First != 2 {
		t.Fatalf("host %d first %d", l.Host, l.First)
	}
	for _, want := range []string{"default saved\nfallback 0\n", "initrd /boot/initrd-2.6.32\nsavedefault\n", "title XLAPP (trial)\nroot (hd0,0)\nkernel /boot/vmlinuz-x root=UUID=u ro xlapp.trial=1\nsavedefault fallback\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("menu.lst lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "default 0") {
		t.Errorf("old default kept:\n%s", got)
	}
	// Running again (default saved, host chosen by the default file) is stable.
	l2, err := MenuLst(l.MenuLst, LegacyDefault(0), "", entries)
	if err != nil || string(l2.MenuLst) != got {
		t.Fatalf("second run differs (%v):\n%s", err, l2.MenuLst)
	}
	if _, err := MenuLst([]byte("default saved\ntitle a\nroot (hd0,0)\n"), nil, "", entries); !errors.Is(err, ErrMenuLst) {
		t.Fatalf("unreadable default file: %v", err)
	}
	if d := string(LegacyDefault(3)); !strings.HasPrefix(d, "3\n#\n") {
		t.Fatalf("LegacyDefault = %q", d)
	}
}
