package install

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// kernelFiles are the boot files found in the installed tree's /boot.
type kernelFiles struct {
	Version string // kernel release, e.g. "6.13.4"
	Kernel  string // path in the tree
	Initrd  string // optional
	Xen     string // optional
}

// findKernel looks in root/boot for exactly one vmlinuz-* (not a symlink),
// an optional matching initrd and an optional xen*.gz.
func findKernel(root string) (*kernelFiles, error) {
	bootDir := filepath.Join(root, "boot")
	ents, err := os.ReadDir(bootDir)
	if err != nil {
		return nil, fmt.Errorf("find kernel: %w: %w", ErrNoKernel, err)
	}
	var kernels, initrds, xens []string
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		n := e.Name()
		switch {
		case strings.HasPrefix(n, "vmlinuz-"):
			kernels = append(kernels, n)
		case strings.HasPrefix(n, "initrd") || strings.HasPrefix(n, "initramfs"):
			initrds = append(initrds, n)
		case strings.HasPrefix(n, "xen") && strings.HasSuffix(n, ".gz"):
			xens = append(xens, n)
		}
	}
	if len(kernels) != 1 {
		return nil, fmt.Errorf("find kernel in %s: %w (want exactly one vmlinuz-*, found %d)", bootDir, ErrNoKernel, len(kernels))
	}
	k := &kernelFiles{Kernel: filepath.Join(bootDir, kernels[0])}
	k.Version = strings.TrimPrefix(kernels[0], "vmlinuz-")
	if i := strings.Index(k.Version, "-lfs-"); i > 0 {
		k.Version = k.Version[:i]
	}
	sort.Strings(initrds)
	for _, n := range initrds {
		if strings.Contains(n, k.Version) || len(initrds) == 1 {
			k.Initrd = filepath.Join(bootDir, n)
			break
		}
	}
	if len(xens) > 0 {
		sort.Strings(xens)
		k.Xen = filepath.Join(bootDir, xens[len(xens)-1])
	}
	return k, nil
}
