package bootloader

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/xlapp/xbuild/internal/oneline"
)

var (
	// ErrNoNextEntry: grub.cfg does not consume next_entry, so a trial
	// could not be armed for exactly one boot.
	ErrNoNextEntry = errors.New("grub.cfg has no next_entry handling (one-time boot, as grub-reboot needs)")
	// ErrNoCustomCfg: grub.cfg does not source custom.cfg.
	ErrNoCustomCfg = errors.New("grub.cfg does not source custom.cfg (the stock 41_custom script)")
	// ErrNoSavedDefault: grub.cfg does not boot ${saved_entry} by default
	// (GRUB_DEFAULT=saved), so the new system cannot be made the default.
	ErrNoSavedDefault = errors.New("grub.cfg does not boot the saved entry by default: set GRUB_DEFAULT=saved in /etc/default/grub and run update-grub")
)

var (
	reNextEntry = regexp.MustCompile(`set\s+default="?\$\{?next_entry\}?"?`)
	reSaveNext  = regexp.MustCompile(`save_env\s+next_entry`)
	reLoadEnv   = regexp.MustCompile(`(?m)^\s*load_env\b`)
	reCustom    = regexp.MustCompile(`(?m)^\s*source\s+\S*/custom\.cfg\b`)
	reSaved     = regexp.MustCompile(`set\s+default="?\$\{?saved_entry\}?"?`)
)

// CheckGRUB2 reports why the host's grub.cfg cannot hold a trial boot, or
// nil: it must load the environment block, boot and clear next_entry, and
// source custom.cfg.
func CheckGRUB2(cfg []byte) error {
	var errs []error
	if !reLoadEnv.Match(cfg) || !reNextEntry.Match(cfg) || !reSaveNext.Match(cfg) {
		errs = append(errs, ErrNoNextEntry)
	}
	if !reCustom.Match(cfg) {
		errs = append(errs, ErrNoCustomCfg)
	}
	return oneline.Join(errs)
}

// CheckSavedDefault reports ErrNoSavedDefault unless grub.cfg boots
// ${saved_entry} by default.
func CheckSavedDefault(cfg []byte) error {
	if !reSaved.Match(cfg) {
		return ErrNoSavedDefault
	}
	return nil
}

// Entry is one boot entry written by xbuild.
type Entry struct {
	ID      string // GRUB 2 --id, e.g. "xlapp-trial"
	Title   string
	Kernel  string // path on the boot file system, e.g. "/vmlinuz-6.13.4-lfs-12.3-20261130_120000"
	Initrd  string // optional
	Cmdline string
	// Xen, when set, boots the hypervisor at this path with XenArgs, and
	// Kernel/Initrd as dom0's modules.
	Xen     string
	XenArgs string
	// Say is echoed on the console when the entry starts.
	Say string
}

const (
	beginMark = "### BEGIN xbuild ###"
	endMark   = "### END xbuild ###"
)

// CustomCfg returns old (the current custom.cfg, possibly empty) with
// xbuild's block replaced by entries; the user's own content is kept. The
// entries find the boot file system by its UUID.
func CustomCfg(old []byte, bootUUID string, entries []Entry) []byte {
	var b bytes.Buffer
	b.Write(stripBlock(old))
	if b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
		b.WriteByte('\n')
	}
	b.WriteString(beginMark + "\n")
	b.WriteString("# Written by xbuild install; xbuild install --undo removes it.\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "menuentry %s --id %s {\n", quote(e.Title), e.ID)
		b.WriteString("\tinsmod part_msdos\n\tinsmod part_gpt\n\tinsmod ext2\n")
		fmt.Fprintf(&b, "\tsearch --no-floppy --fs-uuid --set=root %s\n", bootUUID)
		if e.Say != "" {
			fmt.Fprintf(&b, "\techo %s\n", quote(e.Say))
		}
		if e.Xen != "" {
			b.WriteString("\tinsmod gzio\n\tinsmod multiboot2\n")
			fmt.Fprintf(&b, "\tmultiboot2 %s %s\n", e.Xen, e.XenArgs)
			fmt.Fprintf(&b, "\tmodule2 %s %s\n", e.Kernel, e.Cmdline)
			if e.Initrd != "" {
				fmt.Fprintf(&b, "\tmodule2 --nounzip %s\n", e.Initrd)
			}
		} else {
			fmt.Fprintf(&b, "\tlinux %s %s\n", e.Kernel, e.Cmdline)
			if e.Initrd != "" {
				fmt.Fprintf(&b, "\tinitrd %s\n", e.Initrd)
			}
		}
		b.WriteString("}\n")
	}
	b.WriteString(endMark + "\n")
	return b.Bytes()
}

// stripBlock removes xbuild's block from a custom.cfg or menu.lst.
func stripBlock(old []byte) []byte {
	s := string(old)
	i := strings.Index(s, beginMark)
	if i < 0 {
		return old
	}
	j := strings.Index(s[i:], endMark)
	if j < 0 {
		return []byte(s[:i])
	}
	rest := strings.TrimPrefix(s[i+j+len(endMark):], "\n")
	return []byte(s[:i] + rest)
}

func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
