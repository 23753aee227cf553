package manifests

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.yaml.in/yaml/v3"
)

// Error is one problem found in a manifest, with its place.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string {
	if e.Pos.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Pos.File, e.Pos.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Pos.File, e.Msg)
}

// ErrorList is every problem found by Load, in file order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	if len(l) == 1 {
		return l[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d errors in manifest:", len(l))
	for _, e := range l {
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}

// EntryFile is the name of a manifest directory's entry point.
const EntryFile = "manifest.yaml"

// LockFile records each stage's published snapshot digest, beside EntryFile.
const LockFile = "xbuild.lock"

var (
	nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	fileRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
	envRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	hexRE  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Load reads and validates the manifest in directory dir of fsys.
// Paths in the result (Package.Script, Source.Local) are relative to fsys,
// so that a manifest with a base can name files in both directories.
// display is how dir is named in error messages ("" means dir).
// On any problem Load returns an ErrorList naming file and line of each.
func Load(fsys fs.FS, dir, display string) (*Manifest, error) {
	if display == "" {
		display = dir
	}
	p := &parser{fsys: fsys, display: map[string]string{}, entry: path.Join(display, EntryFile)}
	m := &Manifest{FS: fsys, Dir: display}
	p.loadDir(m, dir, display, 0)
	p.validate(m)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return m, nil
}

type parser struct {
	fsys    fs.FS
	errs    ErrorList
	display map[string]string // fsys dir -> display name
	entry   string            // the entry file, as displayed
}

func (p *parser) errorf(pos Pos, format string, args ...any) {
	p.errs = append(p.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) loadDir(m *Manifest, dir, display string, depth int) {
	if depth > 4 {
		p.errorf(Pos{File: display}, "base chain too deep (more than 4 manifests): check for a base that points back")
		return
	}
	p.display[dir] = display
	entry := path.Join(dir, EntryFile)
	root, ok := p.parseFile(entry)
	if !ok {
		return
	}
	pos := p.pos(entry, root)
	if root.Kind != yaml.MappingNode {
		p.errorf(pos, "manifest must be a mapping of keys (name, seed, sources, stages, ...)")
		return
	}
	// A base is loaded first so that this manifest's entries override it.
	if b := lookup(root, "base"); b != nil {
		if s, ok := p.str(entry, b, "base"); ok {
			bdir := path.Clean(path.Join(dir, s))
			p.loadDir(m, bdir, path.Join(display, s), depth+1)
		}
	}
	p.topLevel(m, dir, entry, root, true)
	if inc := lookup(root, "include"); inc != nil {
		for _, pat := range p.strList(entry, inc, "include") {
			matches, err := fs.Glob(p.fsys, path.Join(dir, pat))
			if err != nil || len(matches) == 0 {
				p.errorf(p.pos(entry, inc), "include %q matches no file in %s", pat, display)
				continue
			}
			sort.Strings(matches)
			for _, f := range matches {
				n, ok := p.parseFile(f)
				if !ok {
					continue
				}
				if n.Kind != yaml.MappingNode {
					p.errorf(p.pos(f, n), "included file must be a mapping with sources: and/or stages:")
					continue
				}
				p.topLevel(m, dir, f, n, false)
			}
		}
	}
	p.loadLock(m, dir, display)
}

func (p *parser) displayFile(f string) string {
	dir := path.Dir(f)
	for d := dir; ; d = path.Dir(d) {
		if disp, ok := p.display[d]; ok {
			rel := strings.TrimPrefix(strings.TrimPrefix(f, d), "/")
			return path.Join(disp, rel)
		}
		if d == "." || d == "/" {
			break
		}
	}
	return f
}

func (p *parser) pos(file string, n *yaml.Node) Pos {
	return Pos{File: p.displayFile(file), Line: n.Line}
}

func (p *parser) parseFile(f string) (*yaml.Node, bool) {
	data, err := fs.ReadFile(p.fsys, f)
	if err != nil {
		p.errorf(Pos{File: p.displayFile(f)}, "cannot read: %v", unwrapPathErr(err))
		return nil, false
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		line := 0
		msg := err.Error()
		if m := regexp.MustCompile(`line (\d+): (.*)`).FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		p.errorf(Pos{File: p.displayFile(f), Line: line}, "malformed YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return nil, false
	}
	if len(doc.Content) == 0 {
		p.errorf(Pos{File: p.displayFile(f)}, "empty file")
		return nil, false
	}
	return doc.Content[0], true
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// lookup returns the value node of key in mapping n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// keys checks that mapping n only has known keys and returns them in order.
func (p *parser) keys(file string, n *yaml.Node, what string, known ...string) bool {
	if n.Kind != yaml.MappingNode {
		p.errorf(p.pos(file, n), "%s must be a mapping", what)
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if seen[k.Value] {
			p.errorf(p.pos(file, k), "%s: key %q given twice", what, k.Value)
		}
		seen[k.Value] = true
		ok := false
		for _, want := range known {
			if k.Value == want {
				ok = true
				break
			}
		}
		if !ok {
			p.errorf(p.pos(file, k), "%s: unknown key %q (known: %s)", what, k.Value, strings.Join(known, ", "))
		}
	}
	return true
}

func (p *parser) str(file string, n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(p.pos(file, n), "%s must be a string", what)
		return "", false
	}
	return n.Value, true
}

func (p *parser) integer(file string, n *yaml.Node, what string) (int64, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errorf(p.pos(file, n), "%s must be a whole number", what)
		return 0, false
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		p.errorf(p.pos(file, n), "%s must be a whole number, not %q", what, n.Value)
		return 0, false
	}
	return v, true
}

func (p *parser) strList(file string, n *yaml.Node, what string) []string {
	if n.Kind != yaml.SequenceNode {
		p.errorf(p.pos(file, n), "%s must be a list", what)
		return nil
	}
	var out []string
	for _, c := range n.Content {
		if s, ok := p.str(file, c, what+" entry"); ok {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) env(file string, n *yaml.Node, what string) []EnvVar {
	if n.Kind != yaml.MappingNode {
		p.errorf(p.pos(file, n), "%s must be a mapping of NAME: value", what)
		return nil
	}
	var out []EnvVar
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !envRE.MatchString(k.Value) {
			p.errorf(p.pos(file, k), "%s: %q is not a valid environment variable name", what, k.Value)
			continue
		}
		if s, ok := p.str(file, v, what+" "+k.Value); ok {
			out = append(out, EnvVar{Key: k.Value, Value: s})
		}
	}
	return out
}

func (p *parser) topLevel(m *Manifest, dir, file string, n *yaml.Node, entry bool) {
	if entry {
		p.keys(file, n, "manifest", "name", "version", "source_date_epoch", "mirrors", "include", "base", "seed", "sources", "stages", "sbu")
	} else {
		p.keys(file, n, "included file", "sources", "stages")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		switch k {
		case "name":
			if s, ok := p.str(file, v, "name"); ok {
				if !nameRE.MatchString(s) {
					p.errorf(p.pos(file, v), "name %q: use lowercase letters, digits and dashes", s)
				}
				m.Name = s
			}
		case "version":
			if s, ok := p.str(file, v, "version"); ok {
				m.Version = s
			}
		case "source_date_epoch":
			if e, ok := p.integer(file, v, "source_date_epoch"); ok {
				if e <= 0 {
					p.errorf(p.pos(file, v), "source_date_epoch must be a positive Unix time")
				}
				m.SourceDateEpoch = e
			}
		case "sbu":
			if s, ok := p.str(file, v, "sbu"); ok {
				m.SBU = s
			}
		case "mirrors":
			m.Mirrors = append(m.Mirrors, p.strList(file, v, "mirrors")...)
		case "seed":
			p.seed(m, file, v)
		case "sources":
			p.sources(m, dir, file, v)
		case "stages":
			p.stages(m, dir, file, v)
		}
	}
}

func (p *parser) seed(m *Manifest, file string, n *yaml.Node) {
	if !p.keys(file, n, "seed", "suite", "variant", "include", "digest") {
		return
	}
	s := Seed{Pos: p.pos(file, n)}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		switch k {
		case "suite":
			s.Suite, _ = p.str(file, v, "seed suite")
		case "variant":
			s.Variant, _ = p.str(file, v, "seed variant")
		case "include":
			s.Include = p.strList(file, v, "seed include")
		case "digest":
			if d, ok := p.str(file, v, "seed digest"); ok {
				dg, err := digest.Parse(d)
				if err != nil || dg.Algorithm() != digest.SHA256 {
					p.errorf(p.pos(file, v), "seed digest %q: want sha256:<64 hex digits>", d)
				}
				s.Digest = dg
			}
		}
	}
	if s.Suite == "" {
		p.errorf(s.Pos, "seed: suite is required (e.g. bookworm)")
	}
	if s.Variant == "" {
		s.Variant = "minbase"
	}
	m.Seed = s
}

func (p *parser) sources(m *Manifest, dir, file string, n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(p.pos(file, n), "sources must be a list")
		return
	}
	for _, sn := range n.Content {
		if !p.keys(file, sn, "source", "file", "sha256", "size", "urls", "debian", "local", "note", "checked") {
			continue
		}
		s := Source{Pos: p.pos(file, sn)}
		hasSize := false
		for i := 0; i+1 < len(sn.Content); i += 2 {
			k, v := sn.Content[i].Value, sn.Content[i+1]
			switch k {
			case "file":
				s.File, _ = p.str(file, v, "source file")
			case "sha256":
				h, ok := p.str(file, v, "sha256")
				if ok && !hexRE.MatchString(h) {
					p.errorf(p.pos(file, v), "sha256 %q is malformed: want 64 lowercase hex digits of the file's sha256", h)
				} else if ok {
					s.SHA256 = digest.NewDigestFromEncoded(digest.SHA256, h)
				}
			case "size":
				if sz, ok := p.integer(file, v, "size"); ok {
					if sz <= 0 {
						p.errorf(p.pos(file, v), "size must be the file's size in bytes (> 0)")
					}
					s.Size, hasSize = sz, true
				}
			case "urls":
				s.URLs = p.strList(file, v, "urls")
				for _, u := range s.URLs {
					if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "ftp://") {
						p.errorf(p.pos(file, v), "url %q: want an http(s) or ftp URL", u)
					}
				}
			case "debian":
				if p.keys(file, v, "debian", "package", "file") {
					d := &Debian{}
					if x := lookup(v, "package"); x != nil {
						d.Package, _ = p.str(file, x, "debian package")
					}
					if x := lookup(v, "file"); x != nil {
						d.File, _ = p.str(file, x, "debian file")
					}
					if d.Package == "" || d.File == "" {
						p.errorf(p.pos(file, v), "debian: needs both package and file")
					}
					s.Debian = d
				}
			case "local":
				if l, ok := p.str(file, v, "local"); ok {
					s.Local = path.Clean(path.Join(dir, l))
					if _, err := fs.Stat(p.fsys, s.Local); err != nil {
						p.errorf(p.pos(file, v), "local file %q not found in %s", l, p.display[dir])
					}
				}
			case "note":
				s.Note, _ = p.str(file, v, "note")
			case "checked":
				s.Checked, _ = p.str(file, v, "checked")
			}
		}
		switch {
		case s.File == "":
			p.errorf(s.Pos, "source: file is required")
			continue
		case !fileRE.MatchString(s.File):
			p.errorf(s.Pos, "source file %q: a plain file name, no slashes", s.File)
		}
		if s.SHA256 == "" && lookup(sn, "sha256") == nil {
			p.errorf(s.Pos, "source %s is not pinned: add sha256: <64 hex digits>", s.File)
		}
		// size is optional (some upstream files' sizes are on no public
		// record), except for a file kept beside the manifest.
		if s.Local != "" && !hasSize && lookup(sn, "size") == nil {
			p.errorf(s.Pos, "local source %s: size (bytes) is required: stat -c %%s the file", s.File)
		}
		if len(s.URLs) == 0 && s.Local == "" && s.Debian == nil {
			p.errorf(s.Pos, "source %s: give urls:, debian: or local:", s.File)
		}
		// A file kept beside the manifest is checked against its pin here,
		// so an edit without re-pinning fails check, not a build later.
		if s.Local != "" && s.SHA256 != "" {
			if data, err := fs.ReadFile(p.fsys, s.Local); err == nil {
				if got := digest.FromBytes(data); got != s.SHA256 || int64(len(data)) != s.Size {
					p.errorf(s.Pos, "local source %s changed: pinned %s (%d bytes), the file is %s (%d bytes): re-pin it (sha256sum, stat -c %%s)", s.File, s.SHA256.Encoded(), s.Size, got.Encoded(), len(data))
				}
			}
		}
		// A later definition (from a manifest built on a base) replaces an earlier one.
		replaced := false
		for i := range m.Sources {
			if m.Sources[i].File == s.File {
				if m.Sources[i].Pos.File == s.Pos.File {
					p.errorf(s.Pos, "source %s defined twice (first at line %d)", s.File, m.Sources[i].Pos.Line)
				}
				m.Sources[i] = s
				replaced = true
			}
		}
		if !replaced {
			m.Sources = append(m.Sources, s)
		}
	}
}

func (p *parser) user(file string, n *yaml.Node, what string) (string, bool) {
	s, ok := p.str(file, n, what)
	if ok && !nameRE.MatchString(s) {
		p.errorf(p.pos(file, n), "%s %q: a lowercase user name", what, s)
		return "", false
	}
	return s, ok
}

func (p *parser) stages(m *Manifest, dir, file string, n *yaml.Node) {
	if n.Kind != yaml.SequenceNode {
		p.errorf(p.pos(file, n), "stages must be a list")
		return
	}
	for _, sn := range n.Content {
		if !p.keys(file, sn, "stage", "name", "parent", "root", "user", "uid", "gid", "env", "packages") {
			continue
		}
		st := Stage{Pos: p.pos(file, sn), Root: RootSeed, User: User{Name: "root"}}
		uidSet, gidSet := false, false
		for i := 0; i+1 < len(sn.Content); i += 2 {
			k, v := sn.Content[i].Value, sn.Content[i+1]
			switch k {
			case "name":
				st.Name, _ = p.str(file, v, "stage name")
			case "parent":
				if v.Tag != "!!null" {
					st.Parent, _ = p.str(file, v, "parent")
				}
			case "root":
				if r, ok := p.str(file, v, "root"); ok {
					switch RootMode(r) {
					case RootSeed, RootLFS:
						st.Root = RootMode(r)
					default:
						p.errorf(p.pos(file, v), "root %q: want seed or lfs", r)
					}
				}
			case "user":
				if u, ok := p.user(file, v, "user"); ok {
					st.User.Name = u
				}
			case "uid":
				if x, ok := p.integer(file, v, "uid"); ok {
					st.User.UID, uidSet = uint32(x), true
				}
			case "gid":
				if x, ok := p.integer(file, v, "gid"); ok {
					st.User.GID, gidSet = uint32(x), true
				}
			case "env":
				st.Env = p.env(file, v, "stage env")
			case "packages":
				st.Packages = p.packages(dir, file, v, st.Name)
			}
		}
		if st.User.Name != "root" {
			if !uidSet {
				st.User.UID = 1000
			}
			if !gidSet {
				st.User.GID = 1000
			}
		}
		if st.Name == "" {
			p.errorf(st.Pos, "stage: name is required")
			continue
		}
		if !nameRE.MatchString(st.Name) {
			p.errorf(st.Pos, "stage name %q: use lowercase letters, digits and dashes", st.Name)
		}
		replaced := false
		for i := range m.Stages {
			if m.Stages[i].Name == st.Name {
				if m.Stages[i].Pos.File == st.Pos.File {
					p.errorf(st.Pos, "stage %s defined twice (first at line %d)", st.Name, m.Stages[i].Pos.Line)
				}
				m.Stages[i] = st
				replaced = true
			}
		}
		if !replaced {
			m.Stages = append(m.Stages, st)
		}
	}
}

func (p *parser) packages(dir, file string, n *yaml.Node, stage string) []Package {
	if n.Kind != yaml.SequenceNode {
		p.errorf(p.pos(file, n), "packages must be a list")
		return nil
	}
	var out []Package
	names := map[string]int{}
	for _, pn := range n.Content {
		if !p.keys(file, pn, "package", "name", "sources", "script", "jobs", "user", "env") {
			continue
		}
		pk := Package{Pos: p.pos(file, pn), Jobs: JobsParallel}
		for i := 0; i+1 < len(pn.Content); i += 2 {
			k, v := pn.Content[i].Value, pn.Content[i+1]
			switch k {
			case "name":
				pk.Name, _ = p.str(file, v, "package name")
			case "sources":
				pk.Sources = p.strList(file, v, "package sources")
			case "script":
				if s, ok := p.str(file, v, "script"); ok {
					pk.Script = path.Clean(path.Join(dir, s))
					body, err := fs.ReadFile(p.fsys, pk.Script)
					switch {
					case err != nil:
						p.errorf(p.pos(file, v), "script %q of package %s is missing: create it or fix the path", s, pk.Name)
					case len(bytes.TrimSpace(body)) == 0:
						p.errorf(p.pos(file, v), "script %q of package %s is empty", s, pk.Name)
					default:
						pk.Body = body
					}
				}
			case "jobs":
				if j, ok := p.str(file, v, "jobs"); ok {
					switch Jobs(j) {
					case JobsParallel, JobsSerial:
						pk.Jobs = Jobs(j)
					default:
						p.errorf(p.pos(file, v), "jobs %q: want parallel (make -jN is safe) or serial (make -j1)", j)
					}
				}
			case "user":
				if u, ok := p.user(file, v, "package user"); ok {
					pk.User = &User{Name: u}
				}
			case "env":
				pk.Env = p.env(file, v, "package env")
			}
		}
		if pk.Name == "" {
			p.errorf(pk.Pos, "package in stage %s: name is required", stage)
			continue
		}
		if !nameRE.MatchString(pk.Name) {
			p.errorf(pk.Pos, "package name %q: use lowercase letters, digits and dashes", pk.Name)
		}
		if line, dup := names[pk.Name]; dup {
			p.errorf(pk.Pos, "package %s appears twice in stage %s (first at line %d)", pk.Name, stage, line)
		}
		names[pk.Name] = pk.Pos.Line
		if pk.Script == "" && lookup(pn, "script") == nil {
			p.errorf(pk.Pos, "package %s: script is required", pk.Name)
		}
		out = append(out, pk)
	}
	return out
}

func (p *parser) loadLock(m *Manifest, dir, display string) {
	f := path.Join(dir, LockFile)
	data, err := fs.ReadFile(p.fsys, f)
	if err != nil {
		return // no lock file: nothing published
	}
	if m.Lock == nil {
		m.Lock = map[string]digest.Digest{}
	}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		pos := Pos{File: path.Join(display, LockFile), Line: i + 1}
		if len(fields) != 2 {
			p.errorf(pos, "want \"STAGE sha256:DIGEST\"")
			continue
		}
		d, err := digest.Parse(fields[1])
		if err != nil {
			p.errorf(pos, "digest %q: %v", fields[1], err)
			continue
		}
		m.Lock[fields[0]] = d
	}
}

// validate checks the merged manifest as a whole.
func (p *parser) validate(m *Manifest) {
	top := Pos{File: p.entry}
	if m.Name == "" {
		p.errorf(top, "name is required")
	}
	if m.SourceDateEpoch == 0 {
		p.errorf(top, "source_date_epoch is required: the Unix time every build's SOURCE_DATE_EPOCH is set to")
	}
	if m.Seed.Suite == "" {
		p.errorf(top, "seed is required (suite, variant, include)")
	}
	if len(m.Stages) == 0 {
		p.errorf(top, "no stages defined")
	}
	sort.Slice(m.Sources, func(i, j int) bool { return m.Sources[i].File < m.Sources[j].File })
	have := map[string]bool{}
	for _, s := range m.Sources {
		have[s.File] = true
	}
	byName := map[string]*Stage{}
	for i := range m.Stages {
		byName[m.Stages[i].Name] = &m.Stages[i]
	}
	for i := range m.Stages {
		st := &m.Stages[i]
		if st.Parent != "" && byName[st.Parent] == nil {
			p.errorf(st.Pos, "stage %s: unknown parent %q", st.Name, st.Parent)
		}
		if len(st.Packages) == 0 {
			p.errorf(st.Pos, "stage %s has no packages", st.Name)
		}
		for j := range st.Packages {
			pk := &st.Packages[j]
			for _, s := range pk.Sources {
				if !have[s] {
					p.errorf(pk.Pos, "package %s: source %q is not defined in sources:", pk.Name, s)
				}
			}
			if pk.User != nil {
				switch pk.User.Name {
				case "root":
					pk.User = &User{Name: "root"}
				case st.User.Name:
					u := st.User
					pk.User = &u
				default:
					p.errorf(pk.Pos, "package %s: user %q must be root or the stage's user %q", pk.Name, pk.User.Name, st.User.Name)
				}
			}
		}
	}
	if m.SBU != "" {
		found := false
		for _, st := range m.Stages {
			for _, pk := range st.Packages {
				found = found || pk.Name == m.SBU
			}
		}
		if !found {
			p.errorf(top, "sbu: package %q is not defined in any stage", m.SBU)
		}
	}
	for i := range m.Stages {
		if m.Stages[i].Parent != "" && byName[m.Stages[i].Parent] == nil {
			return // reported above; no order without every parent
		}
	}
	// Order stages so every parent comes first; report cycles.
	order, cyc := topo(m.Stages)
	if cyc != nil {
		p.errorf(byName[cyc[0]].Pos, "stage parents form a cycle: %s", strings.Join(cyc, " -> "))
		return
	}
	m.Stages = order
	for name := range m.Lock {
		if byName[name] == nil {
			p.errorf(Pos{File: path.Join(m.Dir, LockFile)}, "lock names unknown stage %q", name)
		}
	}
}

// topo returns stages with each parent before its children, keeping file
// order otherwise, or the names along a cycle.
func topo(stages []Stage) ([]Stage, []string) {
	byName := map[string]int{}
	for i, s := range stages {
		byName[s.Name] = i
	}
	state := make([]int, len(stages)) // 0 new, 1 visiting, 2 done
	var out []Stage
	var stack []string
	var visit func(i int) []string
	visit = func(i int) []string {
		switch state[i] {
		case 2:
			return nil
		case 1:
			// Cut the stack at the first occurrence of this stage.
			for k, n := range stack {
				if n == stages[i].Name {
					return append(append([]string{}, stack[k:]...), stages[i].Name)
				}
			}
			return []string{stages[i].Name}
		}
		state[i] = 1
		stack = append(stack, stages[i].Name)
		if par := stages[i].Parent; par != "" {
			if c := visit(byName[par]); c != nil {
				return c
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = 2
		out = append(out, stages[i])
		return nil
	}
	for i := range stages {
		if c := visit(i); c != nil {
			return nil, c
		}
	}
	return out, nil
}

// Stage returns the named stage, or nil.
func (m *Manifest) Stage(name string) *Stage {
	for i := range m.Stages {
		if m.Stages[i].Name == name {
			return &m.Stages[i]
		}
	}
	return nil
}

// Source returns the named source, or nil.
func (m *Manifest) Source(file string) *Source {
	i := sort.Search(len(m.Sources), func(i int) bool { return m.Sources[i].File >= file })
	if i < len(m.Sources) && m.Sources[i].File == file {
		return &m.Sources[i]
	}
	return nil
}

// Ancestors returns the stage's ancestors, root first, then the stage itself.
func (m *Manifest) Ancestors(name string) []*Stage {
	var chain []*Stage
	for s := m.Stage(name); s != nil; s = m.Stage(s.Parent) {
		chain = append([]*Stage{s}, chain...)
		if s.Parent == "" {
			break
		}
	}
	return chain
}

// StageSources returns the sources the stage's packages use, deduplicated.
func (m *Manifest) StageSources(name string) []Source {
	st := m.Stage(name)
	if st == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []Source
	for _, pk := range st.Packages {
		for _, f := range pk.Sources {
			if !seen[f] {
				seen[f] = true
				if s := m.Source(f); s != nil {
					out = append(out, *s)
				}
			}
		}
	}
	return out
}
