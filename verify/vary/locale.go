package vary

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// localeCandidates are tried in order. Estonian first, as reprotest does:
// its collation puts z between s and t, which catches unsorted lists.
func localeCandidates() []string {
	return []string{"et_EE.UTF-8", "fr_CH.UTF-8", "de_DE.UTF-8", "en_US.UTF-8", "C.UTF-8"}
}

// normalizeCodeset spells a locale as glibc names its directory and archive
// entry: the codeset lower-cased without punctuation ("et_EE.utf8").
func normalizeCodeset(name string) string {
	lang, cs, ok := strings.Cut(name, ".")
	if !ok {
		return name
	}
	var b strings.Builder
	for _, r := range strings.ToLower(cs) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return lang + "." + b.String()
}

// hasLocale reports whether glibc in root would find locale name: a
// compiled locale directory, or an entry in the locale archive.
func hasLocale(root, name string) (bool, error) {
	dir := filepath.Join(root, "usr/lib/locale")
	for _, n := range []string{name, normalizeCodeset(name)} {
		if _, err := os.Stat(filepath.Join(dir, n, "LC_CTYPE")); err == nil {
			return true, nil
		}
	}
	archive, err := os.ReadFile(filepath.Join(dir, "locale-archive"))
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read locale archive: %w", err)
	}
	// The archive's name table holds NUL-terminated names.
	return bytes.Contains(archive, []byte("\x00"+normalizeCodeset(name)+"\x00")) ||
		bytes.HasPrefix(archive, []byte(normalizeCodeset(name)+"\x00")), nil
}

func applyLocale(facts StageFacts, env map[string]string) Applied {
	for _, k := range []string{"LC_ALL", "LANG"} {
		if v, pinned := facts.PinnedEnv[k]; pinned {
			return Applied{Locale, false, fmt.Sprintf("the stage pins %s=%s", k, v)}
		}
	}
	if facts.RootfsDir == "" {
		return Applied{Locale, false, "no root directory to look for locales in"}
	}
	for _, l := range localeCandidates() {
		ok, err := hasLocale(facts.RootfsDir, l)
		if err != nil {
			return Applied{Locale, false, err.Error()}
		}
		if ok {
			env["LC_ALL"], env["LANG"], env["LANGUAGE"] = l, l, l
			return Applied{Locale, true, "LC_ALL=LANG=LANGUAGE=" + l}
		}
	}
	return Applied{Locale, false, fmt.Sprintf("the stage's root has none of %s under /usr/lib/locale (glibc would silently use C)",
		strings.Join(localeCandidates(), ", "))}
}
