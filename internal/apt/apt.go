package apt

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrNoArchive is returned when the apt configuration names no usable
// Debian archive.
var ErrNoArchive = errors.New("no Debian archive in the apt configuration")

// ArchiveURL returns the base URL of the main Debian archive named by the apt
// configuration under root ("" means "/"), without a trailing slash.
//
// Entries are read in apt's own order: etc/apt/sources.list, then the files
// of etc/apt/sources.list.d in lexical order. Only "deb" entries count
// (not "deb-src"), deb822 stanzas with "Enabled: no" are skipped, and a URI
// that does not contain "security" is preferred over one that does. Only
// http, https and file URIs are returned.
func ArchiveURL(root string) (string, error) {
	if root == "" {
		root = "/"
	}
	etc := filepath.Join(root, "etc", "apt")
	var uris []string

	one, err := readOneLine(filepath.Join(etc, "sources.list"))
	if err != nil {
		return "", err
	}
	uris = append(uris, one...)

	dir := filepath.Join(etc, "sources.list.d")
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read apt sources %s: %w", dir, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, name)
		var got []string
		switch {
		case strings.HasSuffix(name, ".sources"):
			got, err = readDeb822(path)
		case strings.HasSuffix(name, ".list"):
			got, err = readOneLine(path)
		default:
			continue
		}
		if err != nil {
			return "", err
		}
		uris = append(uris, got...)
	}

	var usable []string
	for _, u := range uris {
		if usableScheme(u) {
			usable = append(usable, strings.TrimRight(u, "/"))
		}
	}
	for _, u := range usable {
		if !strings.Contains(u, "security") {
			return u, nil
		}
	}
	if len(usable) > 0 {
		return usable[0], nil
	}
	return "", fmt.Errorf("read apt sources under %s: %w", etc, ErrNoArchive)
}

func usableScheme(uri string) bool {
	for _, p := range []string{"http://", "https://", "file:/"} {
		if strings.HasPrefix(uri, p) {
			return true
		}
	}
	return false
}

// readOneLine parses the one-line format:
//
//	deb [ option=value ... ] uri suite [component ...]
//
// A missing file is not an error.
func readOneLine(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read apt sources %s: %w", path, err)
	}
	var uris []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] != "deb" {
			continue
		}
		rest := fields[1:]
		if strings.HasPrefix(rest[0], "[") {
			// Options may contain spaces: skip up to the field closing them.
			for len(rest) > 0 && !strings.HasSuffix(rest[0], "]") {
				rest = rest[1:]
			}
			if len(rest) == 0 {
				continue
			}
			rest = rest[1:]
		}
		if len(rest) > 0 {
			uris = append(uris, rest[0])
		}
	}
	return uris, nil
}

// readDeb822 parses the deb822 format: stanzas separated by blank lines,
// "Field: value" lines, continuation lines starting with white space, and
// comment lines starting with "#".
func readDeb822(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read apt sources %s: %w", path, err)
	}
	var uris []string
	stanza := map[string]string{}
	last := ""
	flush := func() {
		if hasWord(stanza["types"], "deb") && !strings.EqualFold(strings.TrimSpace(stanza["enabled"]), "no") {
			uris = append(uris, strings.Fields(stanza["uris"])...)
		}
		stanza = map[string]string{}
		last = ""
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
			continue
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == ' ' || line[0] == '\t':
			if last != "" {
				stanza[last] += " " + strings.TrimSpace(line)
			}
		default:
			key, value, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			last = strings.ToLower(strings.TrimSpace(key))
			stanza[last] = strings.TrimSpace(value)
		}
	}
	flush()
	return uris, nil
}

func hasWord(s, word string) bool {
	for _, f := range strings.Fields(s) {
		if f == word {
			return true
		}
	}
	return false
}
