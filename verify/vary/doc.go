// Package vary defines the variations xbuild verify applies to the second
// build of a stage, in the spirit of Debian's reprotest: what must not
// change a stage's result (the build path, the time, the host name, the
// umask, the time zone, the locale, the build user, the number of CPUs,
// stray environment, directory order) is set differently for the rebuild,
// and the two snapshots are compared.
//
// Parse reads a --vary spec into a Set. Set.Apply takes the first build's
// Settings and the facts of a stage and returns the rebuild's Settings and,
// for every variation, whether it was applied and why not. A variation that
// cannot take effect (a locale the stage's root lacks, which glibc would
// silently replace by C; a time zone the stage pins) is reported as not
// applied, so a clean verify never claims more than it tested.
//
//	set, err := vary.Parse("-time,-cpus")
//	second, applied := set.Apply(first, vary.StageFacts{
//		PinnedEnv: map[string]string{"SOURCE_DATE_EPOCH": "1735689600", "LC_ALL": "POSIX", "TZ": "UTC"},
//		BuildUser: "lfs", RootfsDir: seedDir, CPUs: runtime.NumCPU(),
//	})
//
// The values put into the rebuild are canaries (explain.CanaryHost and
// friends) that verify/explain recognises in a differing file.
//
// The package only describes settings; the stage engine applies them to the
// sandbox. It is pure Go and never imports libcontainer.
package vary
