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
//	st := m.Stage("toolchain")
//	second, applied := set.Apply(vary.Baseline(st, jobs), vary.FactsFor(m, st, seedDir, jobs))
//
// Baseline and FactsFor spell out FORMAT.md's defaults (host name xbuild,
// umask 0022, /build, LC_ALL=POSIX and TZ=UTC pinned for every stage); an
// engine with other defaults builds Settings and StageFacts itself.
//
// The values put into the rebuild are canaries (explain.CanaryHost and
// friends) that verify/explain recognises in a differing file.
//
// The package only describes settings; the stage engine applies them to the
// sandbox. It is pure Go and never imports libcontainer.
package vary
