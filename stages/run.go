package stages

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/xlapp/xbuild/cache"
	"github.com/xlapp/xbuild/manifests"
	"github.com/xlapp/xbuild/sandbox"
)

// Paths inside the sandbox.
const (
	LFSMount     = "/mnt/lfs"
	SourcesMount = "/sources"
	BuildMount   = "/build"
	// TailLines is how much of a failed package's log is shown.
	TailLines = 30
	// aliveEvery is how often a running package is reported as alive.
	aliveEvery = 30 * time.Second
)

// runEnv is one prepared sandbox run and what to undo afterwards.
type runEnv struct {
	spec    sandbox.Spec
	cleanup []func()
}

func (r *runEnv) close() {
	for i := len(r.cleanup) - 1; i >= 0; i-- {
		r.cleanup[i]()
	}
}

func randomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// prepare builds the sandbox spec in which the packages of st run: the
// rootfs by root mode, the declared sources, a fresh /build, the user and
// the fixed environment. pk may be nil (a shell): then all the stage's
// sources that are present are mounted.
func (e *Engine) prepare(ctx context.Context, st *manifests.Stage, pk *manifests.Package, seed digest.Digest) (*runEnv, error) {
	r := &runEnv{}
	ok := false
	defer func() {
		if !ok {
			r.close()
		}
	}()
	work := filepath.Join(e.StoreDir, "work", st.Name+"-"+randomID())
	if err := os.MkdirAll(filepath.Join(work, "build"), 0o755); err != nil {
		return nil, fmt.Errorf("create work dir: %w", err)
	}
	r.cleanup = append(r.cleanup, func() { _ = os.RemoveAll(work) })

	user := st.User
	if pk != nil {
		user = packageUser(st, pk)
	}
	if user.Name != "root" {
		if e.Tweaks.UserName != "" {
			user.Name = e.Tweaks.UserName
		}
		if e.Tweaks.UID != 0 {
			user.UID, user.GID = e.Tweaks.UID, e.Tweaks.GID
		}
	}
	buildDir := BuildMount
	if e.Tweaks.BuildDir != "" {
		buildDir = e.Tweaks.BuildDir
	}
	if err := os.Chown(filepath.Join(work, "build"), int(user.UID), int(user.GID)); err != nil {
		return nil, fmt.Errorf("chown work dir: %w", err)
	}

	// Sources: only the declared ones, as hard links named as the build expects.
	srcDir := filepath.Join(work, "sources")
	if err := os.MkdirAll(srcDir, 0o755); err != nil {
		return nil, err
	}
	var srcs []manifests.Source
	if pk != nil {
		for _, f := range pk.Sources {
			srcs = append(srcs, *e.M.Source(f))
		}
	} else {
		srcs = e.M.StageSources(st.Name)
	}
	for _, s := range srcs {
		if pk != nil {
			if err := e.Sources.Verify(ctx, s); err != nil {
				return nil, fmt.Errorf("source %s of package %s: %w", s.File, pk.Name, err)
			}
		}
		p, err := e.Sources.Path(ctx, s)
		if err != nil {
			if pk == nil {
				continue // a shell works with what is there
			}
			return nil, err
		}
		dst := filepath.Join(srcDir, s.File)
		if err := os.Link(p, dst); err != nil {
			if err := copyFile(p, dst); err != nil {
				return nil, fmt.Errorf("stage source %s: %w", s.File, err)
			}
		}
	}

	jobs := e.Jobs
	if e.Tweaks.Jobs > 0 {
		jobs = e.Tweaks.Jobs
	}
	if jobs < 1 {
		jobs = 1
	}
	if pk != nil && pk.Jobs == manifests.JobsSerial {
		jobs = 1
	}
	env := []manifests.EnvVar{
		{Key: "HOME", Value: buildDir},
		{Key: "LC_ALL", Value: "POSIX"},
		{Key: "TZ", Value: "UTC"},
		{Key: "SOURCE_DATE_EPOCH", Value: strconv.FormatInt(e.M.SourceDateEpoch, 10)},
		{Key: "MAKEFLAGS", Value: fmt.Sprintf("-j%d", jobs)},
		{Key: "XBUILD_JOBS", Value: strconv.Itoa(jobs)},
		{Key: "SOURCES", Value: SourcesMount},
		{Key: "TERM", Value: "dumb"},
	}
	spec := sandbox.Spec{
		ID:          "xbuild-" + st.Name + "-" + randomID(),
		Cwd:         buildDir,
		UID:         user.UID,
		GID:         user.GID,
		Hostname:    "xbuild",
		MemoryBytes: e.MemoryBytes,
		PidsLimit:   e.PidsLimit,
		Umask:       e.Tweaks.Umask,
	}
	mounts := []sandbox.Mount{
		{Source: srcDir, Destination: SourcesMount, ReadOnly: true},
	}
	switch st.Root {
	case manifests.RootSeed:
		mounts = append(mounts, sandbox.Mount{Source: filepath.Join(work, "build"), Destination: buildDir})
		root, err := e.seedRoot(ctx, seed)
		if err != nil {
			return nil, err
		}
		for _, d := range []string{LFSMount, SourcesMount, buildDir, "/tmp", e.Tweaks.TmpDir} {
			if d == "" {
				continue
			}
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				return nil, fmt.Errorf("prepare seed mount point %s: %w", d, err)
			}
		}
		spec.Rootfs, spec.ReadonlyRootfs = root, true
		mounts = append(mounts, sandbox.Mount{Source: e.LFS, Destination: LFSMount})
		// The stage's build user is named even when a package runs as root,
		// so that root can chown to it as LFS chapter 4 does.
		named := st.User
		if user.Name != "root" {
			named = user
		}
		if named.Name != "root" {
			for _, f := range []string{"passwd", "group"} {
				p, err := withUser(root, work, f, named)
				if err != nil {
					return nil, err
				}
				mounts = append(mounts, sandbox.Mount{Source: p, Destination: "/etc/" + f, ReadOnly: true})
			}
		}
		env = append(env,
			manifests.EnvVar{Key: "PATH", Value: LFSMount + "/tools/bin:/usr/bin:/bin"},
			manifests.EnvVar{Key: "LFS", Value: LFSMount},
			manifests.EnvVar{Key: "CONFIG_SITE", Value: LFSMount + "/usr/share/config.site"})
	case manifests.RootLFS:
		spec.Rootfs = e.LFS
		// /build is a directory of the tree itself, not a bind mount: a
		// bind mount from the same file system hides the directory's inode
		// under another one, and the classic getcwd (walk up through "..",
		// match inode numbers), which the book's cross-compiled bash uses,
		// then fails everywhere below /build ("getcwd: cannot access parent
		// directories"). In the book's chroot /sources and the build
		// directories are plain directories too. It is made fresh for each
		// run and removed before the snapshot.
		inTree := filepath.Join(e.LFS, buildDir)
		// The tree is the builds' own work: a symlink on the way to /build
		// would make the removal below reach outside it.
		if err := noSymlinkBelow(e.LFS, buildDir); err != nil {
			return nil, err
		}
		if err := os.RemoveAll(inTree); err != nil {
			return nil, fmt.Errorf("remove %s left by an earlier run: %w", inTree, err)
		}
		created, err := mkdirAllTracked(inTree)
		if err != nil {
			return nil, fmt.Errorf("prepare %s: %w", buildDir, err)
		}
		r.cleanup = append(r.cleanup, func() {
			_ = os.RemoveAll(inTree)
			for i := len(created) - 2; i >= 0; i-- {
				_ = os.Remove(created[i])
			}
		})
		if err := os.Chown(inTree, int(user.UID), int(user.GID)); err != nil {
			return nil, fmt.Errorf("chown %s: %w", inTree, err)
		}
		// Mount points the tree lacks are made for the run and removed after,
		// so that they never land in a snapshot.
		for _, d := range []string{"/proc", "/sys", "/dev", "/tmp", SourcesMount, e.Tweaks.TmpDir} {
			if d == "" {
				continue
			}
			created, err := mkdirAllTracked(filepath.Join(e.LFS, d))
			if err != nil {
				return nil, fmt.Errorf("prepare mount point %s: %w", d, err)
			}
			r.cleanup = append(r.cleanup, func() {
				for i := len(created) - 1; i >= 0; i-- {
					_ = os.Remove(created[i])
				}
			})
		}
		env = append(env, manifests.EnvVar{Key: "PATH", Value: "/usr/bin:/usr/sbin"})
	}
	// Variations come before the manifest's env: what a stage pins wins.
	tweakKeys := make([]string, 0, len(e.Tweaks.Env))
	for k := range e.Tweaks.Env {
		tweakKeys = append(tweakKeys, k)
	}
	sort.Strings(tweakKeys)
	for _, k := range tweakKeys {
		env = append(env, manifests.EnvVar{Key: k, Value: e.Tweaks.Env[k]})
	}
	if e.Tweaks.TmpDir != "" {
		mounts = append(mounts, sandbox.Mount{Destination: e.Tweaks.TmpDir, Type: "tmpfs", Options: []string{"mode=1777"}})
		env = append(env, manifests.EnvVar{Key: "TMPDIR", Value: e.Tweaks.TmpDir})
	}
	env = append(env, st.Env...)
	if pk != nil {
		env = append(env, pk.Env...)
	}
	spec.Env = flattenEnv(env)
	spec.Mounts = mounts
	if e.Tweaks.Hostname != "" {
		spec.Hostname = e.Tweaks.Hostname
	}
	spec.Domainname = e.Tweaks.Domainname
	spec.Cpuset = e.Tweaks.Cpuset
	r.spec = spec
	ok = true
	return r, nil
}

// flattenEnv turns ordered pairs into KEY=VALUE, a later value winning.
func flattenEnv(env []manifests.EnvVar) []string {
	idx := map[string]int{}
	var out []string
	for _, e := range env {
		kv := e.Key + "=" + e.Value
		if i, ok := idx[e.Key]; ok {
			out[i] = kv
			continue
		}
		idx[e.Key] = len(out)
		out = append(out, kv)
	}
	return out
}

// mkdirAllTracked creates dir and missing parents, returning those it made.
func mkdirAllTracked(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		missing = append([]string{d}, missing...)
		if d == filepath.Dir(d) {
			break
		}
	}
	for _, d := range missing {
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, err
		}
	}
	return missing, nil
}

// noSymlinkBelow fails when a component of rel inside root (the last one
// included) is a symbolic link.
func noSymlinkBelow(root, rel string) error {
	p := root
	for _, c := range strings.Split(strings.Trim(filepath.Clean(rel), "/"), "/") {
		p = filepath.Join(p, c)
		fi, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link in the LFS tree: xbuild needs it as its build directory; remove it", p)
		}
	}
	return nil
}

// withUser writes a copy of the seed's /etc/passwd or /etc/group that also
// names the build user.
func withUser(root, work, file string, u manifests.User) (string, error) {
	data, err := os.ReadFile(filepath.Join(root, "etc", file))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	var line string
	if file == "passwd" {
		line = fmt.Sprintf("%s:x:%d:%d:xbuild build user:%s:/bin/bash\n", u.Name, u.UID, u.GID, BuildMount)
	} else {
		line = fmt.Sprintf("%s:x:%d:\n", u.Name, u.GID)
	}
	var keep bytes.Buffer
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if l == "" {
			continue
		}
		f := strings.Split(l, ":")
		if f[0] == u.Name || (len(f) > 2 && (file == "passwd" && f[2] == strconv.Itoa(int(u.UID)) || file == "group" && f[2] == strconv.Itoa(int(u.GID)))) {
			continue
		}
		keep.WriteString(l)
		if !strings.HasSuffix(l, "\n") {
			keep.WriteByte('\n')
		}
	}
	keep.WriteString(line)
	p := filepath.Join(work, file)
	return p, os.WriteFile(p, keep.Bytes(), 0o644)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o444)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// seedRoot returns a directory holding the seed's tree, restoring it once.
// The seed is only ever mounted read-only, so one copy serves every build.
func (e *Engine) seedRoot(ctx context.Context, seed digest.Digest) (string, error) {
	dir := filepath.Join(e.StoreDir, "seeds", seed.Encoded())
	if _, err := os.Stat(dir + ".ok"); err == nil {
		return dir, nil
	}
	_ = os.RemoveAll(dir)
	tmp := dir + ".tmp-" + randomID()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	e.report(Event{Kind: Restoring, Snapshot: seed, Msg: "seed"})
	if err := e.Store.Restore(ctx, seed, tmp, cache.RestoreOptions{}); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("restore seed %s: %w", seed, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	if err := os.WriteFile(dir+".ok", []byte(seed.String()+"\n"), 0o644); err != nil {
		return "", err
	}
	return dir, nil
}

func (e *Engine) logPath(st *manifests.Stage, pk *manifests.Package) string {
	kind := "build"
	if e.Scratch {
		kind = "verify"
	}
	return filepath.Join(e.StoreDir, "logs", e.M.Name, kind, st.Name, pk.Name+".log")
}

// runPackage runs one package's script in the sandbox, logging to its log
// file. On failure it returns a *BuildError with the log's tail.
func (e *Engine) runPackage(ctx context.Context, st *manifests.Stage, pk *manifests.Package, idx int, seed digest.Digest) error {
	logPath := e.logPath(st, pk)
	e.report(Event{Kind: PackageStart, Stage: st.Name, Package: pk.Name, Index: idx + 1, Total: len(st.Packages), Log: logPath})
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return fmt.Errorf("create log dir: %w", err)
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("create log %s: %w", logPath, err)
	}
	defer logf.Close()
	r, err := e.prepare(ctx, st, pk, seed)
	if err != nil {
		return err
	}
	defer r.close()
	fmt.Fprintf(logf, "# xbuild: stage %s, package %s (%d/%d), started %s\n# script %s\n", st.Name, pk.Name, idx+1, len(st.Packages), time.Now().UTC().Format(time.RFC3339), pk.Script)
	r.spec.Args = []string{"/bin/bash", "-e", "-o", "pipefail", "-c", string(pk.Body), "xbuild-" + pk.Name}
	r.spec.Stdout, r.spec.Stderr = logf, logf
	if e.Echo != nil {
		// -v: the build's output also goes to the terminal, lines intact.
		w := io.MultiWriter(logf, e.Echo)
		r.spec.Stdout, r.spec.Stderr = w, w
	}

	if !e.Scratch {
		if err := e.setLFSRecord(lfsRecord{Path: e.LFS, Dirty: true}); err != nil {
			return err
		}
	}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(aliveEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				e.report(Event{Kind: PackageAlive, Stage: st.Name, Package: pk.Name, Index: idx + 1, Total: len(st.Packages), Elapsed: time.Since(start), LastLine: lastLine(logPath), Log: logPath})
			}
		}
	}()
	err = e.Runner.Run(ctx, r.spec)
	close(done)
	if err != nil {
		tail := Tail(logPath, TailLines)
		e.report(Event{Kind: PackageFailed, Stage: st.Name, Package: pk.Name, Index: idx + 1, Total: len(st.Packages), Elapsed: time.Since(start), Log: logPath})
		if ctx.Err() != nil {
			return fmt.Errorf("stage %s: package %s: %w", st.Name, pk.Name, ctx.Err())
		}
		return &BuildError{Stage: st.Name, Package: pk.Name, Log: logPath, Tail: tail, Err: err}
	}
	fmt.Fprintf(logf, "# xbuild: finished in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// Tail returns the last n lines of a file.
func Tail(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	const max = 256 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		_, _ = f.Seek(fi.Size()-max, io.SeekStart)
	}
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return lines
}

func lastLine(path string) string {
	t := Tail(path, 1)
	if len(t) == 0 {
		return ""
	}
	l := t[0]
	if len(l) > 120 {
		l = l[:120]
	}
	return l
}

// ShellOptions is how Shell runs.
type ShellOptions struct {
	Args           []string // default: an interactive bash
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Parent runs on the stage's parent snapshot instead of its latest state.
	Parent bool
}

// Shell runs a command in the sandbox the stage's packages run in, on the
// stage's result if it is built, else on its last good package (where a
// failed build stopped), else on its parent's snapshot. It returns the
// command's *sandbox.ExitError when it exits non-zero.
func (e *Engine) Shell(ctx context.Context, name string, o ShellOptions) error {
	p, plans, err := e.planOf(ctx, name)
	if err != nil {
		return err
	}
	seed, err := e.Seed(ctx)
	if err != nil {
		return err
	}
	st := e.M.Stage(name)
	var snap digest.Digest
	parentSnap := func() (digest.Digest, error) {
		if st.Parent == "" {
			return "", nil
		}
		for _, q := range plans {
			if q.Stage == st.Parent && q.Cached {
				return q.Snapshot, nil
			}
		}
		return "", fmt.Errorf("stage %s: parent %s is %w: run 'xbuild stage %s' first", name, st.Parent, ErrNotBuilt, st.Parent)
	}
	switch {
	case o.Parent || p.Key == "":
		if snap, err = parentSnap(); err != nil {
			return err
		}
	case p.Cached:
		snap = p.Snapshot
	case p.resume > 0:
		snap = p.resumeAt
	default:
		if snap, err = parentSnap(); err != nil {
			return err
		}
	}
	unlock, err := e.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if err := e.materialize(ctx, snap); err != nil {
		return err
	}
	r, err := e.prepare(ctx, st, nil, seed)
	if err != nil {
		return err
	}
	defer r.close()
	// The shell may change the tree: mark it so the next build checks.
	if err := e.setLFSRecord(lfsRecord{Path: e.LFS, Snapshot: snap, Dirty: true}); err != nil {
		return err
	}
	args := o.Args
	if len(args) == 0 {
		args = []string{"/bin/bash", "-i"}
	}
	r.spec.Args = args
	r.spec.Env = append(r.spec.Env, "PS1=(xbuild "+name+") \\w \\$ ")
	r.spec.Stdin, r.spec.Stdout, r.spec.Stderr = o.Stdin, o.Stdout, o.Stderr
	return e.Runner.Run(ctx, r.spec)
}
