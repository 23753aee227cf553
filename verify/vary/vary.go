package vary

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/xlapp/xbuild/verify/explain"
)

// The variations, by name.
const (
	BuildPath = "build-path"
	Time      = "time"
	Hostname  = "hostname"
	Umask     = "umask"
	Timezone  = "timezone"
	Locale    = "locale"
	User      = "user"
	CPUs      = "cpus"
	Env       = "env"
	DirOrder  = "dir-order"
)

// Values the rebuild uses. The path, host, domain and user names are the
// canaries verify/explain looks for.
const (
	VaryBuildPath = explain.CanaryPath + "/build"
	VaryTmpDir    = explain.CanaryPath + "/tmp"
	VaryHome      = explain.CanaryHome
	VaryStray     = explain.CanaryStray
	VaryHostname  = explain.CanaryHost
	VaryDomain    = explain.CanaryDomain
	VaryUser      = explain.CanaryUser
	// VaryTZ is a POSIX TZ rule, so that it needs no zoneinfo file in the
	// stage's root: fourteen hours east of UTC, named by a canary.
	VaryTZ = explain.CanaryTZ + "-14"
)

// KernelNote is what a report says about the one thing that is never
// varied.
const KernelNote = "the kernel is shared by both builds and cannot be varied (uname -r, -v and -m are the same)"

// Variation is one thing the rebuild changes.
type Variation struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// All returns every variation, in the order reports list them.
func All() []Variation {
	return []Variation{
		{BuildPath, "packages build in " + VaryBuildPath + " instead of /build, with TMPDIR=" + VaryTmpDir},
		{Time, "the rebuild runs later than the first build"},
		{Hostname, "host name " + VaryHostname + ", domain name " + VaryDomain},
		{Umask, "umask 0002 instead of 0022"},
		{Timezone, "TZ=" + VaryTZ + " where the stage does not pin TZ"},
		{Locale, "another locale where the stage does not pin LC_ALL or LANG and its root has one"},
		{User, "build user " + VaryUser + " with the next uid and gid, where the stage builds as a non-root user"},
		{CPUs, "make -j1 on one CPU instead of -jN (or -jN instead of -j1)"},
		{Env, "HOME=" + VaryHome + " (does not exist) and a stray " + VaryStray + "=1"},
		{DirOrder, "directory entries in another order"},
	}
}

func names() []string {
	var out []string
	for _, v := range All() {
		out = append(out, v.Name)
	}
	return out
}

// Set is a set of variations. The zero Set has every variation on.
type Set struct {
	off uint32 // bit i: the i-th variation of All is switched off
}

// Parse reads a --vary spec: comma-separated names, each optionally
// prefixed with + (switch on) or - (switch off), applied left to right to
// the set of all variations; "all" stands for every variation. So "" and
// "+all" mean all, "-time,-cpus" all but two, "-all,+hostname" only the
// host name. A leading "--vary=" is accepted. Unknown names are an error
// that lists the valid ones.
func Parse(spec string) (Set, error) {
	spec = strings.TrimPrefix(strings.TrimSpace(spec), "--vary=")
	var s Set
	var unknown []string
	all := names()
	for tok := range strings.SplitSeq(spec, ",") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		on := true
		switch tok[0] {
		case '-':
			on, tok = false, tok[1:]
		case '+':
			tok = tok[1:]
		}
		var mask uint32
		if tok == "all" {
			mask = 1<<len(all) - 1
		} else if i := slices.Index(all, tok); i >= 0 {
			mask = 1 << i
		} else {
			unknown = append(unknown, fmt.Sprintf("%q", tok))
			continue
		}
		if on {
			s.off &^= mask
		} else {
			s.off |= mask
		}
	}
	if len(unknown) > 0 {
		return Set{}, fmt.Errorf("parse --vary %q: unknown variation %s; valid: all, %s",
			spec, strings.Join(unknown, ", "), strings.Join(all, ", "))
	}
	return s, nil
}

// Has reports whether the variation named name is on.
func (s Set) Has(name string) bool {
	i := slices.Index(names(), name)
	return i >= 0 && s.off&(1<<i) == 0
}

// String returns the set as the shortest spec Parse reads back.
func (s Set) String() string {
	var on, off []string
	for i, n := range names() {
		if s.off&(1<<i) == 0 {
			on = append(on, "+"+n)
		} else {
			off = append(off, "-"+n)
		}
	}
	switch {
	case len(off) == 0:
		return "+all"
	case len(on) == 0:
		return "-all"
	case len(off) <= len(on):
		return strings.Join(append([]string{"+all"}, off...), ",")
	}
	return strings.Join(append([]string{"-all"}, on...), ",")
}

// BuildUser is the user package scripts run as.
type BuildUser struct {
	Name     string `json:"name"`
	UID, GID uint32
}

// Settings are what the stage engine sets for one build of a stage.
type Settings struct {
	Hostname, Domainname string
	Umask                uint32
	// Env is set in every package's environment after the engine's
	// defaults and before the stage's own env: (so the stage still wins;
	// Apply never sets a variable the stage pins).
	Env map[string]string
	// User replaces the stage's build user (packages that run as root stay
	// root); the engine writes it into the generated /etc/passwd and
	// /etc/group and owns the writable tree by it.
	User BuildUser
	// Jobs is the N of MAKEFLAGS=-jN and XBUILD_JOBS for packages with
	// jobs: parallel.
	Jobs int
	// Cpuset restricts the sandbox's CPUs ("0"); empty means all.
	Cpuset string
	// BuildPath is each package's working directory, "/build" by default.
	BuildPath string
	// TmpDir is a writable directory (a tmpfs) the engine mounts and
	// exports as TMPDIR, unless the stage pins TMPDIR. Empty: /tmp only.
	TmpDir string
}

// StageFacts is what Apply needs to know about the stage.
type StageFacts struct {
	// PinnedEnv holds the variables the stage fixes for both builds
	// (SOURCE_DATE_EPOCH, and LC_ALL, TZ where pinned).
	PinnedEnv map[string]string
	// BuildUser is the stage's build user's name; "" or "root": root.
	BuildUser string
	// KeepUID says the stage's result is owned by the build user (as the
	// LFS temporary tools are, until chapter 7 chowns them to root): the
	// user variation then renames the user but keeps its uid and gid, or
	// every file would differ in owner.
	KeepUID bool
	// PinnedUmask, if set, is the umask the engine gives every package
	// whatever the settings say; the umask variation is then not applied.
	PinnedUmask *uint32
	// RootfsDir is the host directory that is "/" in the sandbox; locales
	// are looked for in it.
	RootfsDir string
	// CPUs is the number of CPUs the first build could use.
	CPUs int
}

// Applied says whether one variation took effect in a rebuild.
type Applied struct {
	Name    string `json:"name"`
	Applied bool   `json:"applied"`
	// Reason says how the variation was applied, or why it was not.
	Reason string `json:"reason"`
}

// Apply returns the rebuild's settings, derived from base (the first
// build's), and one Applied for every variation in the order of All,
// switched-off ones included. base is not modified.
func (s Set) Apply(base Settings, facts StageFacts) (Settings, []Applied) {
	out := base
	out.Env = maps.Clone(base.Env)
	if out.Env == nil {
		out.Env = map[string]string{}
	}
	setEnv := func(k, v string) bool {
		if _, pinned := facts.PinnedEnv[k]; pinned {
			return false
		}
		out.Env[k] = v
		return true
	}
	var report []Applied
	for _, v := range All() {
		if !s.Has(v.Name) {
			report = append(report, Applied{v.Name, false, "switched off (--vary=-" + v.Name + ")"})
			continue
		}
		a := Applied{Name: v.Name, Applied: true}
		switch v.Name {
		case BuildPath:
			out.BuildPath, out.TmpDir = VaryBuildPath, VaryTmpDir
			a.Reason = "packages build in " + VaryBuildPath + " with TMPDIR=" + VaryTmpDir
			if tmp, pinned := facts.PinnedEnv["TMPDIR"]; pinned {
				a.Reason = "packages build in " + VaryBuildPath + " (the stage pins TMPDIR=" + tmp + ")"
			}
			a.Reason += "; the LFS mount point /mnt/lfs is part of the stage's definition and is not varied"
		case Time:
			a.Reason = "the rebuild runs later; the wall clock is not shifted (Linux time namespaces offset only the monotonic and boot-time clocks, and xbuild has no faketime), so a date of day resolution is caught only across midnight"
		case Hostname:
			out.Hostname, out.Domainname = VaryHostname, VaryDomain
			a.Reason = "host name " + VaryHostname + ", domain name " + VaryDomain
		case Umask:
			if facts.PinnedUmask != nil {
				a = Applied{v.Name, false, fmt.Sprintf("the sandbox pins umask %04o for every package", *facts.PinnedUmask)}
				break
			}
			out.Umask = 0o002
			if base.Umask == 0o002 {
				out.Umask = 0o022
			}
			a.Reason = fmt.Sprintf("umask %04o instead of %04o", out.Umask, base.Umask)
		case Timezone:
			if tz, pinned := facts.PinnedEnv["TZ"]; pinned {
				a = Applied{v.Name, false, "the stage pins TZ=" + tz}
				break
			}
			out.Env["TZ"] = VaryTZ
			a.Reason = "TZ=" + VaryTZ
		case Locale:
			a = applyLocale(facts, out.Env)
		case User:
			if facts.BuildUser == "" || facts.BuildUser == "root" {
				a = Applied{v.Name, false, "the stage builds as root"}
				break
			}
			out.User = BuildUser{Name: VaryUser, UID: base.User.UID + 1, GID: base.User.GID + 1}
			if facts.KeepUID {
				out.User.UID, out.User.GID = base.User.UID, base.User.GID
			}
			a.Reason = fmt.Sprintf("build user %s uid %d gid %d instead of %s uid %d gid %d",
				out.User.Name, out.User.UID, out.User.GID, facts.BuildUser, base.User.UID, base.User.GID)
		case CPUs:
			switch {
			case base.Jobs > 1:
				out.Jobs, out.Cpuset = 1, "0"
				a.Reason = fmt.Sprintf("make -j1 on CPU 0 instead of -j%d", base.Jobs)
			case facts.CPUs > 1:
				out.Jobs, out.Cpuset = facts.CPUs, ""
				a.Reason = fmt.Sprintf("make -j%d on %d CPUs instead of -j%d", facts.CPUs, facts.CPUs, base.Jobs)
			default:
				a = Applied{v.Name, false, "one CPU only, and the first build already ran -j1"}
			}
		case Env:
			a.Reason = VaryStray + "=1"
			out.Env[VaryStray] = "1"
			if setEnv("HOME", VaryHome) {
				a.Reason = "HOME=" + VaryHome + ", " + a.Reason
			} else {
				a.Reason += " (the stage pins HOME)"
			}
		case DirOrder:
			a = Applied{v.Name, false, "not feasible: readdir order is the file system's (ext4, tmpfs) and there is no disorderfs in the sandbox"}
		}
		report = append(report, a)
	}
	return out, report
}
