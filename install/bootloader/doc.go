// Package bootloader edits the host's boot loader files so that a newly
// installed XLAPP boots once, as a trial, and any reset returns to the host.
//
// GRUB 2: xbuild's entries live between markers in /boot/grub/custom.cfg,
// which the stock 41_custom script sources on every boot and update-grub
// never rewrites; the trial is armed by next_entry in grubenv (what
// grub-reboot does), which GRUB clears before the kernel starts. CheckGRUB2
// refuses a grub.cfg that would not honour that.
//
// GRUB legacy: menu.lst gets "default saved" and "fallback <host>", the host
// entry "savedefault", the trial entry "savedefault fallback"; the trial is
// armed by writing the default file as grub-set-default does.
//
//	env, _ := bootloader.ParseEnv(data)
//	env.Set("next_entry", "xlapp-trial")
//	os.WriteFile(p, env.Encode(), 0o644)
package bootloader
