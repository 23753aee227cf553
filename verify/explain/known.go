package explain

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// moduleMagic ends a Linux kernel module with an appended signature
// (scripts/sign-file): module, signature, struct module_signature (12
// bytes, the signature's length big-endian in the last 4), magic.
const moduleMagic = "~Module signature appended~\n"

// splitModule returns a signed module's unsigned part and signature.
func splitModule(data []byte) (module, sig []byte, ok bool) {
	if !bytes.HasSuffix(data, []byte(moduleMagic)) || len(data) < len(moduleMagic)+12 {
		return nil, nil, false
	}
	info := data[len(data)-len(moduleMagic)-12 : len(data)-len(moduleMagic)]
	n := int(binary.BigEndian.Uint32(info[8:12]))
	end := len(data) - len(moduleMagic) - 12
	if n > end {
		return nil, nil, false
	}
	return data[:end-n], data[end-n : end], true
}

func moduleDiff(path string, a, b []byte, depth int) (Explanation, bool) {
	ma, sa, oka := splitModule(a)
	mb, sb, okb := splitModule(b)
	if !oka || !okb {
		return Explanation{}, false
	}
	sigHint := Hint{
		Cause:    CauseRandom,
		Evidence: "the appended module signature differs: the modules were signed with different keys (a key generated at build time)",
		Fix:      "no random module-signing key: sign with a fixed key kept outside the build, or disable CONFIG_MODULE_SIG_ALL and sign at install time",
	}
	if bytes.Equal(ma, mb) {
		return Explanation{
			Format:  FormatELF,
			Summary: "only the appended module signature differs; the module itself is the same",
			Hints:   []Hint{sigHint},
		}, true
	}
	e := explainAt(path, ma, mb, depth)
	e.Summary = "the module differs: " + e.Summary
	if !bytes.Equal(sa, sb) {
		e.Summary += "; and so does its signature"
	}
	return e, true
}

// pathHints names causes that a file's path alone shows: files that hold
// the state of the build machine or of one installation rather than the
// build's result.
func pathHints(path string) []Hint {
	p := "/" + strings.TrimPrefix(path, "/")
	switch {
	case strings.HasSuffix(p, "/var/cache/ldconfig/aux-cache"):
		return []Hint{{Cause: CauseCache, Evidence: "ldconfig's aux-cache records inode numbers and change times of the libraries it saw",
			Fix: "remove /var/cache/ldconfig/aux-cache at the end of the stage"}}
	case strings.HasSuffix(p, "/etc/machine-id"), strings.HasSuffix(p, "/var/lib/dbus/machine-id"):
		return []Hint{{Cause: CauseRandom, Evidence: "a machine id is random by design",
			Fix: "leave it empty in the image; it is generated on first boot"}}
	case strings.Contains(p, "/etc/ssh/ssh_host_"):
		return []Hint{{Cause: CauseRandom, Evidence: "an SSH host key is random by design",
			Fix: "generate host keys on first boot, not at build time"}}
	case strings.HasSuffix(p, "/random-seed"):
		return []Hint{{Cause: CauseRandom, Evidence: "a saved random seed", Fix: "do not ship it; it is written at shutdown"}}
	case strings.HasSuffix(p, ".cache") && strings.Contains(p, "/fontconfig/"),
		strings.HasSuffix(p, "/icon-theme.cache"), strings.HasSuffix(p, "/gschemas.compiled"):
		return []Hint{{Cause: CauseCache, Evidence: "a cache of the installed files, with time stamps",
			Fix: "regenerate it on the target or remove it at the end of the stage"}}
	}
	return nil
}
