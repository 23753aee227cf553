// Package report holds the result of xbuild verify and renders it for
// people (WriteText) and machines (WriteJSON).
//
// A Report names the stage, the two snapshot digests compared (the cached
// build and the rebuild, or a build and the published digest), the
// variations with whether each was applied and why not, what could not be
// varied (the kernel), and the differing paths, each with its kind (content,
// mode, owner, link target, present in one build only, file type) and, for
// content, an explain.Explanation.
//
//	r := report.Report{Stage: "toolchain", Against: report.Rebuild, A: cached, B: rebuilt,
//		Variations: applied, Notes: []string{vary.KernelNote}}
//	r.Differences = append(r.Differences, report.Content("usr/bin/ld", explain.Content("usr/bin/ld", a, b)))
//	r.Differences = append(r.Differences, report.Metadata("usr/bin/ld", report.Mode, "0755", "0775"))
//	_ = r.WriteText(os.Stdout)
//	if !r.Reproducible() { os.Exit(1) }
//
// FromChanges does the file-by-file part for two snapshots of the store:
//
//	ta, _ := store.Tree(ctx, cached)
//	tb, _ := store.Tree(ctx, rebuilt)
//	r.Differences, err = report.FromChanges(ctx, cache.Diff(ta, tb), store)
//
// It is pure Go and silent; the command decides where the output goes.
package report
