package vary

import (
	"strconv"

	"github.com/xlapp/xbuild/manifests"
)

// Baseline returns the settings of a normal build of st, as FORMAT.md
// describes it: host name xbuild, umask 0022, packages in /build, -jN with
// N = jobs, the stage's build user.
func Baseline(st *manifests.Stage, jobs int) Settings {
	return Settings{
		Hostname:  "xbuild",
		Umask:     0o022,
		BuildPath: "/build",
		Jobs:      max(jobs, 1),
		User:      BuildUser{Name: st.User.Name, UID: st.User.UID, GID: st.User.GID},
	}
}

// FactsFor describes stage st of m for Apply: every stage pins
// SOURCE_DATE_EPOCH, LC_ALL=POSIX and TZ=UTC (FORMAT.md's environment), and
// whatever its env: sets. rootfs is the directory that is "/" for the
// stage's packages (the seed's rootfs, or the LFS tree), cpus the CPUs the
// first build could use.
//
// A non-root build user owns what the stage builds (the LFS temporary
// tools), and snapshots record numeric owners, so the user variation keeps
// its uid and gid and only renames it (KeepUID). The engine runs every
// package with umask 0022, as LFS's .bashrc sets it (PinnedUmask).
func FactsFor(m *manifests.Manifest, st *manifests.Stage, rootfs string, cpus int) StageFacts {
	pinned := map[string]string{
		"SOURCE_DATE_EPOCH": strconv.FormatInt(m.SourceDateEpoch, 10),
		"LC_ALL":            "POSIX",
		"TZ":                "UTC",
	}
	for _, e := range st.Env {
		pinned[e.Key] = e.Value
	}
	user := st.User.Name
	umask := uint32(0o022)
	return StageFacts{
		PinnedUmask: &umask,
		PinnedEnv:   pinned,
		BuildUser:   user,
		KeepUID:     user != "" && user != "root",
		RootfsDir:   rootfs,
		CPUs:        cpus,
	}
}
