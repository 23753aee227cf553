package bootloader

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrMenuLst reports a menu.lst that xbuild cannot extend safely.
var ErrMenuLst = errors.New("cannot use menu.lst")

// Legacy is the result of adding entries to a GRUB legacy menu.lst.
type Legacy struct {
	MenuLst []byte
	Host    int // index of the host's entry (the fallback)
	First   int // index of the first new entry
}

// MenuLst adds entries to a GRUB legacy menu.lst for a trial boot:
// "default saved", "fallback <host>", "savedefault" in the host's entry
// and "savedefault fallback" in every new one, so that booting a new
// entry makes the host the default again. savedDefault is the content of
// /boot/grub/default (nil if absent), used when menu.lst already says
// "default saved". root is the legacy device of the boot file system,
// e.g. "(hd0,0)"; empty means the host entry's own "root" line.
func MenuLst(old, savedDefault []byte, root string, entries []Entry) (*Legacy, error) {
	lines := strings.Split(strings.TrimRight(string(stripBlock(old)), "\n"), "\n")
	var header []string
	var titles []int // line index of each title
	for i, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "title" {
			titles = append(titles, i)
		}
	}
	if len(titles) == 0 {
		return nil, fmt.Errorf("%w: no entries", ErrMenuLst)
	}
	header = lines[:titles[0]]
	host := 0
	var out []string
	for _, l := range header {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == "default" {
			if f[1] == "saved" {
				n, err := parseLegacyDefault(savedDefault)
				if err != nil {
					return nil, err
				}
				host = n
			} else if n, err := strconv.Atoi(f[1]); err == nil {
				host = n
			}
			continue
		}
		if len(f) >= 1 && (f[0] == "fallback" || f[0] == "default") {
			continue
		}
		out = append(out, l)
	}
	if host >= len(titles) {
		return nil, fmt.Errorf("%w: default entry %d does not exist", ErrMenuLst, host)
	}
	out = append([]string{"default saved", fmt.Sprintf("fallback %d", host)}, out...)
	hostRoot := ""
	for i, t := range titles {
		end := len(lines)
		if i+1 < len(titles) {
			end = titles[i+1]
		}
		entry := lines[t:end]
		has := false
		for _, l := range entry {
			f := strings.Fields(l)
			if len(f) == 1 && f[0] == "savedefault" {
				has = true
			}
			if i == host && len(f) == 2 && f[0] == "root" {
				hostRoot = f[1]
			}
		}
		// Put savedefault after the last non-blank line of the host entry.
		if i == host && !has {
			k := len(entry)
			for k > 1 && strings.TrimSpace(entry[k-1]) == "" {
				k--
			}
			e := append([]string{}, entry[:k]...)
			e = append(e, "savedefault")
			entry = append(e, entry[k:]...)
		}
		out = append(out, entry...)
	}
	if root == "" {
		root = hostRoot
	}
	if root == "" {
		return nil, fmt.Errorf("%w: the host entry has no root line", ErrMenuLst)
	}
	out = append(out, "", beginMark, "# Written by xbuild install; xbuild install --undo removes it.")
	for _, e := range entries {
		out = append(out, "title "+e.Title, "root "+root)
		if e.Xen != "" {
			out = append(out, "kernel "+e.Xen+" "+e.XenArgs, "module "+e.Kernel+" "+e.Cmdline)
			if e.Initrd != "" {
				out = append(out, "module "+e.Initrd)
			}
		} else {
			out = append(out, "kernel "+e.Kernel+" "+e.Cmdline)
			if e.Initrd != "" {
				out = append(out, "initrd "+e.Initrd)
			}
		}
		out = append(out, "savedefault fallback", "")
	}
	out = append(out, endMark, "")
	return &Legacy{MenuLst: []byte(strings.Join(out, "\n")), Host: host, First: len(titles)}, nil
}

// LegacyDefault is /boot/grub/default selecting entry n, in the layout
// grub-set-default writes (GRUB's savedefault rewrites it in place, so it
// keeps its padding lines).
func LegacyDefault(n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", n)
	for range 10 {
		b.WriteString("#\n")
	}
	b.WriteString("# WARNING: If you want to edit this file directly, do not remove any line\n")
	b.WriteString("# from this file, including this warning. Using `grub-set-default' is\n")
	b.WriteString("# strongly recommended.\n")
	return []byte(b.String())
}

func parseLegacyDefault(data []byte) (int, error) {
	first, _, _ := strings.Cut(string(data), "\n")
	n, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, fmt.Errorf("%w: default saved but /boot/grub/default is unreadable", ErrMenuLst)
	}
	return n, nil
}
